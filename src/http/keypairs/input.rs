//! Validation of the v2 face's create body and list query, field by field
//! with Gcore's `invalid_fields`, as strictly as the v1 face's and with the
//! same rules for the fields both have.

use serde_json::Value;

use super::super::extract::parse_project_id;
use super::super::params::{Problems, QueryParams};
use super::super::ssh_keys::{CreateKeyInput, object};
use crate::domain::{KeyFingerprint, ProjectId};
use crate::http::ApiError;

/// Page size when the query names none: gcorelabscloud-go sends no
/// `limit` and follows the `next` links.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;
/// Longest `user_id` worth looking up.
const MAX_USER_FILTER: usize = 255;

/// Reads a project id with the path's rule, recording a problem instead of
/// failing, so that one response reports every field.
fn project_id(raw: Result<ProjectId, ApiError>, problems: &mut Problems) -> Option<ProjectId> {
    match raw {
        Ok(project) => Some(project),
        Err(ApiError::Validation { fields, message }) => {
            let problem = fields.get("project_id").cloned().unwrap_or(message);
            problems.add("project_id", problem.trim_start_matches("project_id: "));
            None
        }
        Err(_) => {
            problems.add("project_id", "is invalid");
            None
        }
    }
}

/// Validates `{"sshkey_name", "public_key"?, "project_id",
/// "shared_in_project"?}` (gcorelabscloud-go's `CreateOpts`, plus sharing).
/// `project_id` is a JSON integer, read by the same rule as a path's.
pub fn create_from_json(body: &Value) -> Result<(ProjectId, CreateKeyInput), ApiError> {
    let fields = object(body)?;
    let mut problems = Problems::default();
    let project = match fields.get("project_id") {
        None | Some(Value::Null) => {
            problems.add("project_id", "is required");
            None
        }
        // The number's own digits: `1.0`, `-1` and `1e3` fail the rule.
        Some(Value::Number(n)) => project_id(parse_project_id(&n.to_string()), &mut problems),
        // A string or another type, refused with the rule's own message.
        Some(_) => project_id(parse_project_id(""), &mut problems),
    };
    let input = CreateKeyInput::from_fields(fields, "sshkey_name", &mut problems);
    problems.finish(|| ())?;
    // With no problems recorded, both are present.
    let missing = || ApiError::field("sshkey_name", "is required");
    Ok((project.ok_or_else(missing)?, input.ok_or_else(missing)?))
}

/// Validated list parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct ListParams {
    pub project: ProjectId,
    /// `user_id`: only keys created by the user of this name.
    pub user: Option<String>,
    /// Only keys with exactly this fingerprint, MD5 or SHA-256 (as on v1).
    pub fingerprint: Option<KeyFingerprint>,
    pub limit: u32,
    /// Whether the client chose `limit` (the next link then repeats it).
    pub limit_given: bool,
    pub offset: u64,
}

impl ListParams {
    /// Parses `project_id` (required), `user_id`, `fingerprint`, `limit` and
    /// `offset`. A parameter given twice is an error; unknown ones are
    /// ignored.
    pub fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let mut problems = Problems::default();
        let mut params = QueryParams::parse(query, &mut problems);
        let project = match params.get("project_id") {
            None => {
                problems.add("project_id", "is required");
                None
            }
            Some(raw) => project_id(parse_project_id(raw), &mut problems),
        };
        let limit = params.limit(DEFAULT_LIMIT, MAX_LIMIT, &mut problems);
        let offset = params.offset(&mut problems);
        let fingerprint = params.fingerprint(&mut problems);
        let user = params.text_filter("user_id", MAX_USER_FILTER, &mut problems);
        let limit_given = params.contains("limit");
        let project = problems.finish(|| project)?;
        let project = project.ok_or_else(|| ApiError::field("project_id", "is required"))?;
        Ok(Self { project, user, fingerprint, limit, limit_given, offset })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn invalid_fields(err: ApiError) -> Vec<String> {
        match err {
            ApiError::Validation { fields, .. } => fields.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn create_bodies_need_a_name_and_an_integer_project() {
        let (project, input) = create_from_json(&json!({"project_id": 7, "sshkey_name": "abc"})).unwrap();
        assert_eq!(project, ProjectId(7));
        assert!(input.public_key.is_none() && input.shared, "generate, shared by default");
        let cases = [
            (json!({"sshkey_name": "abc"}), vec!["project_id"], "project_id is required"),
            (json!({"project_id": 1}), vec!["sshkey_name"], "sshkey_name is required"),
            (json!({"project_id": "1", "sshkey_name": "abc"}), vec!["project_id"], "a string project"),
            (json!({"project_id": 1.0, "sshkey_name": "abc"}), vec!["project_id"], "a float project"),
            (json!({"project_id": -1, "sshkey_name": "abc"}), vec!["project_id"], "a negative project"),
            (json!({"project_id": 0, "sshkey_name": "abc"}), vec!["project_id"], "project 0"),
            (json!({"project_id": 1, "name": "abc"}), vec!["sshkey_name"], "v1's field name"),
            (json!({"project_id": 1, "sshkey_name": 5}), vec!["sshkey_name"], "a numeric name"),
            (
                json!({"project_id": true, "sshkey_name": "x", "public_key": 1}),
                vec!["project_id", "public_key", "sshkey_name"],
                "all",
            ),
            (
                json!({"project_id": 1, "sshkey_name": "abc", "shared_in_project": "no"}),
                vec!["shared_in_project"],
                "bool",
            ),
        ];
        for (body, expected, why) in cases {
            let got = create_from_json(&body).map(|_| vec![]).unwrap_or_else(invalid_fields);
            assert_eq!(got, expected, "{why}");
        }
        let Err(refused) = create_from_json(&json!({"project_id": "1", "sshkey_name": "abc"})) else {
            panic!("a string project_id is refused")
        };
        let message = refused.to_string();
        assert_eq!(message, parse_project_id("").unwrap_err().to_string(), "one message for project ids");
    }

    #[test]
    fn list_queries_need_a_project_and_page_100_by_default() {
        let params = ListParams::from_query(Some("project_id=3&user_id=alice")).unwrap();
        let expected = ListParams {
            project: ProjectId(3),
            user: Some("alice".into()),
            fingerprint: None,
            limit: 100,
            limit_given: false,
            offset: 0,
        };
        assert_eq!(params, expected);
        let paged = ListParams::from_query(Some("project_id=3&limit=1000&offset=2000&x=1")).unwrap();
        assert_eq!((paged.limit, paged.limit_given, paged.offset), (1000, true, 2000));
        let bad = [
            (None, vec!["project_id"], "no query"),
            (Some("user_id=alice"), vec!["project_id"], "no project"),
            (Some("project_id=abc"), vec!["project_id"], "not a number"),
            (Some("project_id=1&project_id=2"), vec!["project_id"], "twice"),
            (Some("project_id=1&limit=1001"), vec!["limit"], "limit above 1000"),
            (Some("project_id=1&limit=0&offset=-1"), vec!["limit", "offset"], "every problem"),
            (Some("project_id=1&fingerprint=SHA256:abc"), vec!["fingerprint"], "a malformed fingerprint"),
            (Some("project_id=1&fingerprint="), vec!["fingerprint"], "an empty fingerprint"),
        ];
        for (query, expected, why) in bad {
            assert_eq!(invalid_fields(ListParams::from_query(query).unwrap_err()), expected, "{why}");
        }
    }
}
