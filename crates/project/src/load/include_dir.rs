//! Directory includes (1.0.64): `includes: [{path: dashboards/, depth: 1, exclusions: [...]}]`
//! reads every `.yml`/`.yaml` file under the folder, at most `depth` levels down, leaving out
//! what an exclusion matches. Exclusions are read as Visivo 1.0.82 reads them, so a project
//! includes the same files: each pattern is tried as a glob (`fnmatch`, where `*` also matches
//! `/`) on the file's name and on its path relative to the folder, `*/x/*` also without its
//! leading `*/` on any tail of that path, and finally as a regular expression searched in the
//! name and the path.

use regex::Regex;
use std::path::{Path, PathBuf};

/// The YAML files a directory include names, sorted by path (as 1.0.82 sorts them).
pub(crate) fn yaml_files(root: &Path, depth: Option<usize>, exclusions: &[String]) -> Vec<PathBuf> {
    let patterns: Vec<Exclusion> = exclusions.iter().map(|p| Exclusion::new(p)).collect();
    let excluded = |path: &Path| patterns.iter().any(|p| p.matches(path, root));
    let mut found = Vec::new();
    let mut pending = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, level)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // Symbolic links to folders are not followed (nor by 1.0.82's `os.walk`): no loops.
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                if depth.is_none_or(|d| level < d) && !excluded(&path) {
                    pending.push((path, level + 1));
                }
            } else if is_yaml(&path) && path.is_file() && !excluded(&path) {
                found.push(path);
            }
        }
    }
    found.sort_by_cached_key(|p| p.to_string_lossy().into_owned());
    found
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// One entry of `exclusions`, compiled.
struct Exclusion {
    text: String,
    glob: Regex,
    /// `*/temp/*` as `temp/*`, tried on every tail of the path.
    without_prefix: Option<Regex>,
    /// The pattern as a regular expression, when it is one.
    regex: Option<Regex>,
}

impl Exclusion {
    fn new(pattern: &str) -> Self {
        Exclusion {
            text: pattern.to_string(),
            glob: glob_regex(pattern),
            without_prefix: pattern.strip_prefix("*/").map(glob_regex),
            regex: Regex::new(pattern).ok(),
        }
    }

    fn matches(&self, path: &Path, root: &Path) -> bool {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let relative = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        if self.text == name || self.glob.is_match(&name) || self.glob.is_match(&relative) {
            return true;
        }
        if let Some(tail_glob) = &self.without_prefix {
            let parts: Vec<&str> = relative.split('/').collect();
            if (0..parts.len()).any(|i| tail_glob.is_match(&parts[i..].join("/"))) {
                return true;
            }
        }
        self.regex
            .as_ref()
            .is_some_and(|r| r.is_match(&relative) || r.is_match(&name))
    }
}

/// Python's `fnmatch` pattern as an anchored regular expression: `*` any text (`/` included),
/// `?` one character, `[abc]` / `[!abc]` a set; a `[` without its `]` is itself.
fn glob_regex(pattern: &str) -> Regex {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::from("(?s)^");
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => match set_end(&chars, i) {
                Some(end) => {
                    let mut set: String = chars[i + 1..end].iter().collect();
                    let negated = set.starts_with('!');
                    if negated {
                        set.remove(0);
                    }
                    let escaped = set.replace('\\', "\\\\").replace('[', "\\[");
                    out.push_str(&format!("[{}{escaped}]", if negated { "^" } else { "" }));
                    i = end;
                }
                None => out.push_str("\\["),
            },
            c => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    out.push('$');
    Regex::new(&out).unwrap_or_else(|_| {
        Regex::new(&format!("^{}$", regex::escape(pattern))).expect("an escaped pattern is valid")
    })
}

/// Where the set opened at `start` closes (a `]` right after `[` or `[!` belongs to the set).
fn set_end(chars: &[char], start: usize) -> Option<usize> {
    let mut j = start + 1;
    if chars.get(j) == Some(&'!') {
        j += 1;
    }
    if chars.get(j) == Some(&']') {
        j += 1;
    }
    (j..chars.len()).find(|&k| chars[k] == ']')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}").unwrap();
        }
        dir
    }

    fn found(dir: &Path, depth: Option<usize>, exclusions: &[&str]) -> Vec<String> {
        let exclusions: Vec<String> = exclusions.iter().map(|s| s.to_string()).collect();
        yaml_files(dir, depth, &exclusions)
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    const FILES: [&str; 7] = [
        "a.yml",
        "b.YAML",
        "notes.txt",
        "sub/c.yml",
        "sub/deeper/d.yml",
        "temp/e.yml",
        "z.backup.yml",
    ];

    #[test]
    fn depth_counts_folders_below_the_included_one() {
        let dir = tree(&FILES);
        assert_eq!(
            found(dir.path(), Some(0), &[]),
            ["a.yml", "b.YAML", "z.backup.yml"]
        );
        assert_eq!(
            found(dir.path(), Some(1), &[]),
            ["a.yml", "b.YAML", "sub/c.yml", "temp/e.yml", "z.backup.yml"]
        );
        assert_eq!(found(dir.path(), None, &[]).len(), 6);
    }

    #[test]
    fn exclusions_match_as_in_visivo_1_0_82() {
        let dir = tree(&FILES);
        let all = |exclusions: &[&str]| found(dir.path(), None, exclusions);
        assert_eq!(
            all(&["*.backup.yml", "*/temp/*", "deeper"]),
            ["a.yml", "b.YAML", "sub/c.yml"]
        );
        // A glob on the relative path; `*` crosses folders.
        assert_eq!(
            all(&["sub/*"]),
            ["a.yml", "b.YAML", "temp/e.yml", "z.backup.yml"]
        );
        // An exact name, a set, and a regular expression searched in the name.
        assert_eq!(
            all(&["c.yml", "[ab].yml", "^z\\."]),
            ["b.YAML", "sub/deeper/d.yml", "temp/e.yml"]
        );
        // Being a regular expression too, `.` matches any character: `p.yml` leaves out
        // `z.backup.yml` as it does in 1.0.82.
        assert_eq!(all(&["p.yml"]).len(), 5);
    }

    #[test]
    fn globs_translate_like_fnmatch() {
        assert!(glob_regex("*.yml").is_match("a/b.yml"));
        assert!(glob_regex("[!a]?.yml").is_match("bc.yml"));
        assert!(!glob_regex("[!a]?.yml").is_match("ac.yml"));
        assert!(glob_regex("x[.yml").is_match("x[.yml"));
        assert!(glob_regex("[]]").is_match("]"));
    }
}
