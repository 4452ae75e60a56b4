//! `compose.yaml` read as the shop would read it: every container built from this repository
//! gets settings the shop accepts, so a bad value there fails here rather than at `docker
//! compose up`, where the container would only log it and restart.

use std::{collections::BTreeMap, net::IpAddr};

use asiabill_shop::config::{DatabaseUrl, KEYS, RawSettings, Settings};
use serde_yaml_ng::{Mapping, Value};
use url::Url;

/// The services of `compose.yaml`, with YAML merge keys (`<<: *shop-image`) applied.
fn services() -> Mapping {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/compose.yaml");
    let text = std::fs::read_to_string(path).expect("read compose.yaml");
    let mut compose: Value = serde_yaml_ng::from_str(&text).expect("compose.yaml is YAML");
    compose.apply_merge().expect("merge keys");
    compose["services"]
        .as_mapping()
        .expect("compose.yaml has services")
        .clone()
}

/// A service of compose.yaml that runs this repository's image.
struct ShopService {
    name: String,
    command: Vec<String>,
    environment: BTreeMap<String, String>,
    service: Value,
}

impl ShopService {
    fn runs_sandbox(&self) -> bool {
        self.command.first().map(String::as_str) == Some("sandbox")
    }

    /// `shop` with no command serves.
    fn runs_serve(&self) -> bool {
        matches!(
            self.command.first().map(String::as_str),
            None | Some("serve")
        )
    }

    /// Deserialized the way the shop reads its environment: names in lower case, values as text.
    fn raw_settings(&self) -> RawSettings {
        let fields = self
            .environment
            .iter()
            .map(|(k, v)| (Value::from(k.to_lowercase()), Value::from(v.as_str())))
            .collect::<Mapping>();
        serde_yaml_ng::from_value(Value::Mapping(fields))
            .unwrap_or_else(|e| panic!("{}: environment not readable as settings: {e}", self.name))
    }

    fn settings(&self) -> Settings {
        self.raw_settings()
            .validate()
            .unwrap_or_else(|e| panic!("service `{}` would not start: {e}", self.name))
    }
}

/// Every service built from this repository (`build: .`), which is the shop's binary.
fn shop_services() -> Vec<ShopService> {
    services()
        .iter()
        .filter(|(_, s)| builds_this_repository(s))
        .map(|(name, s)| {
            let name = name.as_str().expect("service name").to_owned();
            ShopService {
                command: command(&s["command"]),
                environment: environment(&name, &s["environment"]),
                service: s.clone(),
                name,
            }
        })
        .collect()
}

fn builds_this_repository(service: &Value) -> bool {
    let build = &service["build"];
    let context = build.as_str().or_else(|| build["context"].as_str());
    matches!(context, Some("." | "./"))
}

/// `command` in its list or string form.
fn command(value: &Value) -> Vec<String> {
    match value {
        Value::Null => Vec::new(),
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        Value::Sequence(items) => items.iter().map(text).collect(),
        other => panic!("command is {other:?}"),
    }
}

/// `environment` in its map form (`KEY: value`) or list form (`- KEY=value`).
fn environment(service: &str, value: &Value) -> BTreeMap<String, String> {
    match value {
        Value::Null => BTreeMap::new(),
        Value::Mapping(m) => m
            .iter()
            .map(|(k, v)| {
                let k = text(k);
                assert!(
                    !v.is_null(),
                    "{service}: {k} has no value, so it would come from the host; set it here"
                );
                (k, text(v))
            })
            .collect(),
        Value::Sequence(items) => items
            .iter()
            .map(|item| {
                let item = text(item);
                let (k, v) = item.split_once('=').unwrap_or_else(|| {
                    panic!("{service}: {item} would come from the host; set it here")
                });
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        other => panic!("{service}: environment is {other:?}"),
    }
}

/// A scalar as the text compose hands the container (`true`, `8080`, `1.5`).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("{other:?} is not a scalar"),
    }
}

/// The names a service is reached by on its networks: its own and its aliases.
fn network_names(name: &str, service: &Value) -> Vec<String> {
    let mut names = vec![name.to_owned()];
    if let Some(networks) = service["networks"].as_mapping() {
        for network in networks.values() {
            if let Some(aliases) = network["aliases"].as_sequence() {
                names.extend(aliases.iter().map(text));
            }
        }
    }
    names
}

fn host_and_port(url: &str) -> (String, u16) {
    let url = Url::parse(url).expect("a URL");
    (
        url.host_str().expect("a host").to_owned(),
        url.port_or_known_default().expect("a port"),
    )
}

#[test]
fn every_container_of_the_shop_image_starts_with_valid_settings() {
    let shops = shop_services();
    assert!(shops.len() >= 3, "two shops and the simulator expected");
    for shop in &shops {
        for key in shop.environment.keys() {
            assert!(
                KEYS.contains(&key.as_str()),
                "service `{}` sets {key}, which the shop does not read",
                shop.name
            );
        }
        shop.settings();
    }
}

#[test]
fn the_shops_share_one_postgresql_database_and_one_simulator() {
    let shops = shop_services();
    let serving = shops.iter().filter(|s| s.runs_serve()).collect::<Vec<_>>();
    assert!(serving.len() >= 2, "several shop instances expected");
    let first = &serving[0].environment;
    for shop in &serving {
        let settings = shop.settings();
        assert!(
            matches!(settings.database, DatabaseUrl::Postgres(_)),
            "{}: instances can share PostgreSQL, not a SQLite file",
            shop.name
        );
        assert!(
            !settings.gateway.embedded_sandbox,
            "{}: each shop would run a simulator of its own; set ASIABILL_BASE_URL",
            shop.name
        );
        // An unset session key is shared too: the first instance keeps it in the database.
        for key in ["DATABASE_URL", "SHOP_SESSION_KEY", "ASIABILL_BASE_URL"] {
            assert_eq!(
                shop.environment.get(key),
                first.get(key),
                "{}: {key} differs between the shops",
                shop.name
            );
        }
    }
}

#[test]
fn the_simulator_runs_alone_where_the_shops_and_the_browser_reach_it() {
    let shops = shop_services();
    let simulators = shops
        .iter()
        .filter(|s| s.runs_sandbox())
        .collect::<Vec<_>>();
    assert_eq!(simulators.len(), 1, "one `shop sandbox` service expected");
    let simulator = simulators[0];
    let bind = match simulator.command.iter().position(|a| a == "--bind") {
        Some(i) => simulator.command[i + 1].clone(),
        None => simulator.settings().sandbox_bind.to_string(),
    };
    let bind: std::net::SocketAddr = bind.parse().expect("the simulator's bind address");
    assert!(
        !bind.ip().is_loopback(),
        "the simulator listens on loopback, which other containers cannot reach"
    );
    let names = network_names(&simulator.name, &simulator.service);
    for shop in shops.iter().filter(|s| s.runs_serve()) {
        let url = shop.settings().gateway.environment.payment_url().to_owned();
        let (host, port) = host_and_port(&url);
        assert!(
            names.contains(&host) && port == bind.port(),
            "{}: ASIABILL_BASE_URL {url} is not the simulator ({names:?}, port {})",
            shop.name,
            bind.port()
        );
    }
}

#[test]
fn webhooks_and_forwarded_addresses_go_through_the_proxy() {
    let services = services();
    let proxy = &services["proxy"];
    let names = network_names("proxy", proxy);
    let proxy_ip = proxy["networks"]
        .as_mapping()
        .and_then(|n| n.values().find_map(|n| n["ipv4_address"].as_str()))
        .expect("the proxy has a fixed address")
        .parse::<IpAddr>()
        .expect("an IP address");
    for shop in shop_services().iter().filter(|s| s.runs_serve()) {
        let settings = shop.settings();
        // The simulator posts webhooks to the callbackUrl built from SHOP_PUBLIC_URL, from
        // inside the network: its host must name the proxy there.
        let (host, _) = host_and_port(&settings.public_url);
        assert!(
            names.contains(&host),
            "{}: SHOP_PUBLIC_URL's host {host} is not the proxy ({names:?})",
            shop.name
        );
        assert_eq!(
            settings.trusted_proxies,
            vec![proxy_ip],
            "{}: SHOP_TRUSTED_PROXIES must be the proxy's address",
            shop.name
        );
    }
}
