//! The shopper's IP address, for AsiaBill's `customerIp`.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The address of the client: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Reading from the right
/// matters: the left-most entries are whatever the client chose to send.
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let Some(peer) = peer else {
        return "0.0.0.0".to_owned();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(forwarded: &str) -> HttpRequest {
        TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().expect("addr"))
            .insert_header(("X-Forwarded-For", forwarded))
            .to_http_request()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        assert_eq!(client_ip(&req("203.0.113.9"), &[]), "10.0.0.1");
        assert_eq!(client_ip(&req("203.0.113.9"), &[proxy]), "203.0.113.9");
        // A client that forges the header only adds entries on the left.
        assert_eq!(
            client_ip(&req("1.2.3.4, 203.0.113.9"), &[proxy]),
            "203.0.113.9"
        );
        assert_eq!(client_ip(&req("junk"), &[proxy]), "10.0.0.1");
    }
}
