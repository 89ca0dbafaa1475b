use super::*;
use serde_json::json;

fn invalid_fields(err: ApiError) -> Vec<String> {
    match err {
        ApiError::Validation { fields, .. } => fields.into_keys().collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn create_bodies_are_validated_field_by_field() {
    let cases = [
        (json!({"name": "ok-name"}), vec![], "name alone asks for generation"),
        (json!({"name": "ok-name", "public_key": null}), vec![], "null public_key generates"),
        (json!({"name": "ok-name", "public_key": ""}), vec![], "empty public_key generates"),
        (json!({"name": "ok-name", "extra": 1}), vec![], "unknown fields are ignored"),
        (json!({}), vec!["name"], "name is required"),
        (json!({"name": 5}), vec!["name"], "name must be a string"),
        (json!({"name": "x"}), vec!["name"], "name too short"),
        (json!({"name": "ok-name", "public_key": 1}), vec!["public_key"], "public_key must be a string"),
        (json!({"name": "ok-name", "public_key": "ssh-dss AAAA"}), vec!["public_key"], "DSA refused"),
        (json!({"name": "ok-name", "shared_in_project": "yes"}), vec!["shared_in_project"], "bool only"),
        (json!({"name": 1, "shared_in_project": 1}), vec!["name", "shared_in_project"], "all problems reported"),
    ];
    for (body, expected, why) in cases {
        let got = CreateKeyInput::from_json(&body).map(|_| vec![]).unwrap_or_else(invalid_fields);
        assert_eq!(got, expected, "{why}");
    }
    assert!(CreateKeyInput::from_json(&json!([1])).is_err(), "an array is not an object");
}

#[test]
fn shared_in_project_defaults_to_true() {
    let input = CreateKeyInput::from_json(&json!({"name": "abc"})).unwrap();
    assert!(input.shared && input.public_key.is_none());
    let input = CreateKeyInput::from_json(&json!({"name": "abc", "shared_in_project": false})).unwrap();
    assert!(!input.shared);
}

#[test]
fn update_bodies_hold_a_boolean_or_nothing() {
    assert_eq!(shared_from_json(&json!({"shared_in_project": false})).unwrap(), Some(false));
    assert_eq!(shared_from_json(&json!({"shared_in_project": true})).unwrap(), Some(true));
    assert_eq!(shared_from_json(&json!({})).unwrap(), None, "Terraform's PATCH when nothing changed");
    assert_eq!(shared_from_json(&json!({"shared_in_project": null})).unwrap(), None, "null is absent");
    assert!(shared_from_json(&json!([])).is_err(), "not an object");
    let cases = [(json!({"shared_in_project": "true"}), "a string"), (json!({"shared_in_project": 1}), "a number")];
    for (body, why) in cases {
        assert_eq!(invalid_fields(shared_from_json(&body).unwrap_err()), ["shared_in_project"], "{why}");
    }
}

#[test]
fn list_parameters_are_checked_and_defaulted() {
    let defaults = ListParams { limit: 10, offset: 0, name: None, order: KeyOrder::CreatedDesc, fingerprint: None };
    assert_eq!(ListParams::from_query(None).unwrap(), defaults);
    let parsed = ListParams::from_query(Some("limit=1000&offset=5&name=a%25_b&order_by=name.asc&x=1")).unwrap();
    let expected =
        ListParams { limit: 1000, offset: 5, name: Some("a%_b".into()), order: KeyOrder::NameAsc, fingerprint: None };
    assert_eq!(parsed, expected);
    let bad = [
        ("limit=0", vec!["limit"], "limit below 1"),
        ("limit=1001", vec!["limit"], "limit above 1000"),
        ("limit=ten", vec!["limit"], "limit not a number"),
        ("limit=", vec!["limit"], "limit empty"),
        ("offset=-1", vec!["offset"], "negative offset"),
        ("order_by=size", vec!["order_by"], "unknown order"),
        ("fingerprint=SHA256:abc", vec!["fingerprint"], "malformed fingerprint"),
        ("fingerprint=", vec!["fingerprint"], "empty fingerprint"),
        ("limit=5&limit=6", vec!["limit"], "repeated parameter"),
        ("limit=0&offset=x", vec!["limit", "offset"], "every problem is reported"),
    ];
    for (query, expected, why) in bad {
        assert_eq!(invalid_fields(ListParams::from_query(Some(query)).unwrap_err()), expected, "{why}");
    }
}

#[test]
fn every_field_problem_reads_field_colon_problem_once() {
    let cases = [
        (
            json!({"name": "ab"}),
            "name: must be 3 to 63 characters long, got 2",
            "name",
            "must be 3 to 63 characters long, got 2",
        ),
        (
            json!({"name": "-ab"}),
            "name: must start with a letter or a digit",
            "name",
            "must start with a letter or a digit",
        ),
        (json!({"name": 5}), "name: must be a string", "name", "must be a string"),
        (
            json!({"name": "abc", "public_key": "ssh-ed25519"}),
            "public_key: must be an OpenSSH public key ('<type> <base64> [comment]'), an RFC 4716 block or a PEM 'PUBLIC KEY' or 'RSA PUBLIC KEY' block",
            "public_key",
            "must be an OpenSSH public key ('<type> <base64> [comment]'), an RFC 4716 block or a PEM 'PUBLIC KEY' or 'RSA PUBLIC KEY' block",
        ),
    ];
    for (body, message, field, problem) in cases {
        let Err(ApiError::Validation { message: got, fields }) = CreateKeyInput::from_json(&body) else {
            panic!("{body} must be refused");
        };
        assert_eq!(got, message, "{body}");
        assert_eq!(fields.get(field).map(String::as_str), Some(problem), "{body}");
    }
}

#[test]
fn order_by_is_matched_without_regard_to_case_and_nothing_else_is() {
    for (query, order) in
        [("order_by=NAME.ASC", KeyOrder::NameAsc), ("order_by=Created_At.Desc", KeyOrder::CreatedDesc)]
    {
        assert_eq!(ListParams::from_query(Some(query)).unwrap().order, order, "{query}");
    }
    for query in ["ORDER_BY=name.asc&order_by=size", "order_by=name%20asc", "order_by=name.asc%20", "LIMIT=0&limit=x"] {
        assert!(ListParams::from_query(Some(query)).is_err(), "{query}");
    }
}
