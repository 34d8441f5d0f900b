//! Cohort and key names of a trace's data, for matching references.

use crate::lexer::is_ident_char;

/// The cohorts of `data.json` (`{cohort: {key: [...]}}`) with their keys,
/// both longest first so that matching picks the longest name.
#[derive(Debug, Default)]
pub(crate) struct DataNames {
    cohorts: Vec<(String, Vec<String>)>,
}

/// A reference found at the start of a text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RefMatch<'n> {
    /// `<cohort>.<key>` with a key the cohort has.
    Full {
        cohort: &'n str,
        key: &'n str,
        len: usize,
    },
    /// `<cohort>.` followed by something that is not one of its keys.
    CohortOnly { cohort: &'n str, len: usize },
}

impl DataNames {
    pub(crate) fn from_data(data: &serde_json::Value) -> Self {
        let Some(cohorts) = data.as_object() else {
            return Self::default();
        };
        let mut cohorts: Vec<(String, Vec<String>)> = cohorts
            .iter()
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, keys)| (name.clone(), sorted_keys(keys)))
            .collect();
        cohorts.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        Self { cohorts }
    }

    /// The longest `<cohort>.<key>` at the start of `text`. A cohort must be
    /// followed by `.`, and a key must not be followed by a name character,
    /// so `Fib` never matches inside `Fibonacci` nor `props.x` inside
    /// `props.xy`.
    pub(crate) fn match_at(&self, text: &str) -> Option<RefMatch<'_>> {
        let mut cohort_only = None;
        for (cohort, keys) in &self.cohorts {
            let Some(rest) = text
                .strip_prefix(cohort.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
            else {
                continue;
            };
            let prefix_len = cohort.len() + 1;
            if let Some(key) = keys.iter().find(|key| key_matches(rest, key)) {
                return Some(RefMatch::Full {
                    cohort,
                    key,
                    len: prefix_len + key.len(),
                });
            }
            cohort_only.get_or_insert(RefMatch::CohortOnly {
                cohort,
                len: prefix_len,
            });
        }
        cohort_only
    }
}

fn sorted_keys(cohort: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = cohort
        .as_object()
        .map(|map| map.keys().filter(|k| !k.is_empty()).cloned().collect())
        .unwrap_or_default();
    keys.sort_by_key(|key| std::cmp::Reverse(key.len()));
    keys
}

fn key_matches(text: &str, key: &str) -> bool {
    text.strip_prefix(key)
        .is_some_and(|after| !after.starts_with(is_ident_char))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(json: &str) -> DataNames {
        DataNames::from_data(&serde_json::from_str(json).unwrap_or_default())
    }

    #[test]
    fn longest_cohort_and_key_win() {
        let n = names(r#"{"Fib": {"props.x": []}, "Fibonacci": {"props.x": [], "props.x2": []}}"#);
        assert_eq!(
            n.match_at("Fibonacci.props.x2[0]"),
            Some(RefMatch::Full {
                cohort: "Fibonacci",
                key: "props.x2",
                len: 18
            })
        );
        assert_eq!(
            n.match_at("Fib.props.x)"),
            Some(RefMatch::Full {
                cohort: "Fib",
                key: "props.x",
                len: 11
            })
        );
        assert_eq!(n.match_at("Fibo.props.x"), None);
    }

    #[test]
    fn key_must_end_at_a_name_boundary() {
        let n = names(r#"{"a": {"props.x": []}}"#);
        assert_eq!(
            n.match_at("a.props.xy"),
            Some(RefMatch::CohortOnly {
                cohort: "a",
                len: 2
            })
        );
    }

    #[test]
    fn non_object_data_has_no_names() {
        assert_eq!(names("[1, 2]").match_at("a.b"), None);
    }
}
