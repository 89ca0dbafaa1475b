use super::*;

/// The default file with every setting uncommented.
fn uncommented_default() -> String {
    DEFAULT_FILE
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| l.split_once(" = ").is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_')))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_printed_default_file_parses_and_names_every_setting() {
    let file: Settings = toml::from_str(&uncommented_default()).expect("default file must parse");
    let debug = format!("{file:?}");
    assert!(!debug.contains("None"), "every setting appears in the default file: {debug}");
    let config = file.resolve().unwrap();
    let defaults = Config::default();
    // The file shows every setting at its default; only the examples of
    // settings that are off by default (TLS, metrics, log filter) differ.
    assert_eq!(config.listen, defaults.listen);
    assert_eq!(config.database, defaults.database);
    assert_eq!(config.max_keys_per_project, 100);
    assert_eq!(config.max_keys_per_project, defaults.max_keys_per_project);
    assert_eq!(config.pool, defaults.pool);
    assert_eq!(config.request_timeout, defaults.request_timeout);
    assert_eq!(config.header_read_timeout, defaults.header_read_timeout);
    assert_eq!(config.body_read_timeout, defaults.body_read_timeout);
    assert_eq!(config.max_connections, defaults.max_connections);
    assert_eq!(config.max_connections_per_ip, defaults.max_connections_per_ip);
    assert_eq!(config.drain_timeout, defaults.drain_timeout);
    assert_eq!(config.shutdown_delay, defaults.shutdown_delay);
    assert_eq!(config.shutdown_delay, Duration::from_secs(5));
    assert_eq!(config.max_in_flight, defaults.max_in_flight);
    assert_eq!(config.rate_limit, None, "rate 0 means off");
    assert_eq!(config.log_format, defaults.log_format);
}

#[test]
fn unknown_keys_in_the_file_are_an_error_naming_the_key() {
    let err = toml::from_str::<Settings>("listne = \"127.0.0.1:1\"").unwrap_err().to_string();
    assert!(err.contains("listne"), "{err}");
}

#[test]
fn flags_win_over_the_file_and_the_file_over_defaults() {
    let file: Settings = toml::from_str("max_keys_per_project = 7\nrequest_timeout = \"5s\"").unwrap();
    let flags = Settings { max_keys_per_project: Some(9), ..Settings::default() };
    let config = flags.or(file).resolve().unwrap();
    assert_eq!(config.max_keys_per_project, 9, "flag beats file");
    assert_eq!(config.request_timeout, Duration::from_secs(5), "file beats default");
    assert_eq!(config.drain_timeout, Duration::from_secs(20), "default when neither sets it");
}

#[test]
fn debug_output_hides_the_database_password() {
    let settings =
        Settings { database: Some(DatabaseUrl::parse("postgres://u:hunter2@h/db").unwrap()), ..Settings::default() };
    assert!(!format!("{settings:?}").contains("hunter2"));
    assert!(!format!("{:?}", settings.resolve().unwrap()).contains("hunter2"));
}

#[test]
fn a_zero_limit_is_refused_by_name_from_flags_and_from_the_file() {
    let zero_counts = [
        ("max-in-flight", Settings { max_in_flight: Some(0), ..Settings::default() }),
        ("max-connections", Settings { max_connections: Some(0), ..Settings::default() }),
        ("max-connections-per-ip", Settings { max_connections_per_ip: Some(0), ..Settings::default() }),
        ("db-max-connections", Settings { db_max_connections: Some(0), ..Settings::default() }),
        ("rate-limit-burst", Settings { rate_limit: Some(5), rate_limit_burst: Some(0), ..Settings::default() }),
    ];
    for (flag, settings) in zero_counts {
        let err = settings.resolve().unwrap_err().to_string();
        assert!(err.contains(&format!("--{flag}")) && err.contains("at least 1"), "{flag}: {err}");
    }
    let file: Settings = toml::from_str("max_in_flight = 0").unwrap();
    assert!(file.resolve().unwrap_err().to_string().contains("max_in_flight in the config file"));
    for zero in ["0s", "0ms", "0"] {
        let err = zero.parse::<HumanDuration>().unwrap_err();
        assert!(err.contains("longer than 0"), "{zero}: {err}");
    }
    let err = toml::from_str::<Settings>("request_timeout = \"0s\"").unwrap_err().to_string();
    assert!(err.contains("request_timeout") && err.contains("longer than 0"), "{err}");
    let off = Settings { rate_limit: Some(0), ..Settings::default() }.resolve().unwrap();
    assert_eq!(off.rate_limit, None, "a rate of 0 is documented as off");
}

#[test]
fn the_shutdown_delay_may_be_zero_unlike_the_limits() {
    let file: Settings = toml::from_str("shutdown_delay = \"0s\"").unwrap();
    assert_eq!(file.resolve().unwrap().shutdown_delay, Duration::ZERO);
    assert_eq!("2500ms".parse::<Wait>(), Ok(Wait(Duration::from_millis(2500))));
    let err = "soon".parse::<Wait>().unwrap_err();
    assert!(err.contains("0s"), "{err}");
    assert!(toml::from_str::<Settings>("shutdown_delay = \"-1s\"").is_err());
}
