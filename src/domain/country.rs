//! ISO 3166-1 alpha-2 country codes, and the ones the checkout form offers by name.

use crate::i18n::Lang;

/// Every assigned ISO 3166-1 alpha-2 code.
const ALL: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN \
BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO \
DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB \
LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA \
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA \
SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT \
TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Countries listed by name in the checkout form: `(code, English, Chinese)`.
pub const LISTED: &[(&str, &str, &str)] = &[
    ("US", "United States", "美国"),
    ("CA", "Canada", "加拿大"),
    ("GB", "United Kingdom", "英国"),
    ("AU", "Australia", "澳大利亚"),
    ("NZ", "New Zealand", "新西兰"),
    ("IE", "Ireland", "爱尔兰"),
    ("DE", "Germany", "德国"),
    ("FR", "France", "法国"),
    ("ES", "Spain", "西班牙"),
    ("IT", "Italy", "意大利"),
    ("NL", "Netherlands", "荷兰"),
    ("BE", "Belgium", "比利时"),
    ("AT", "Austria", "奥地利"),
    ("CH", "Switzerland", "瑞士"),
    ("SE", "Sweden", "瑞典"),
    ("NO", "Norway", "挪威"),
    ("DK", "Denmark", "丹麦"),
    ("FI", "Finland", "芬兰"),
    ("PL", "Poland", "波兰"),
    ("PT", "Portugal", "葡萄牙"),
    ("CN", "China", "中国"),
    ("HK", "Hong Kong SAR", "中国香港"),
    ("MO", "Macao SAR", "中国澳门"),
    ("TW", "Taiwan", "中国台湾"),
    ("JP", "Japan", "日本"),
    ("KR", "South Korea", "韩国"),
    ("SG", "Singapore", "新加坡"),
    ("MY", "Malaysia", "马来西亚"),
    ("TH", "Thailand", "泰国"),
    ("VN", "Vietnam", "越南"),
    ("PH", "Philippines", "菲律宾"),
    ("ID", "Indonesia", "印度尼西亚"),
    ("IN", "India", "印度"),
    ("AE", "United Arab Emirates", "阿联酋"),
    ("SA", "Saudi Arabia", "沙特阿拉伯"),
    ("IL", "Israel", "以色列"),
    ("TR", "Türkiye", "土耳其"),
    ("BR", "Brazil", "巴西"),
    ("MX", "Mexico", "墨西哥"),
    ("AR", "Argentina", "阿根廷"),
    ("CL", "Chile", "智利"),
    ("ZA", "South Africa", "南非"),
];

/// True for an assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_code(code: &str) -> bool {
    code.len() == 2 && ALL.split_whitespace().any(|c| c == code)
}

/// The country's name in `lang`, for a code the checkout form lists; any other code (valid,
/// but only reachable by a hand-made form) is shown as itself rather than as nothing.
pub fn name(code: &str, lang: Lang) -> &str {
    LISTED
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, en, zh)| match lang {
            Lang::En => en,
            Lang::ZhCn => zh,
        })
}

/// True where AsiaBill asks for a state or province (ISO 3166-2 subdivision code).
pub fn needs_state(code: &str) -> bool {
    matches!(code, "US" | "CA")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_against_the_iso_list() {
        assert!(is_code("US") && is_code("CN") && is_code("ZW"));
        assert!(!is_code("XX") && !is_code("us") && !is_code("USA") && !is_code(""));
        assert_eq!(ALL.split_whitespace().count(), 249);
        assert!(LISTED.iter().all(|(c, _, _)| is_code(c)));
        assert!(needs_state("CA") && !needs_state("GB"));
    }

    #[test]
    fn listed_countries_are_named_in_both_languages() {
        assert_eq!(name("US", Lang::En), "United States");
        assert_eq!(name("US", Lang::ZhCn), "美国");
        assert_eq!(name("ZW", Lang::ZhCn), "ZW", "unlisted: the code itself");
        assert!(
            LISTED
                .iter()
                .all(|(_, en, zh)| !en.is_empty() && !zh.is_ascii())
        );
    }
}
