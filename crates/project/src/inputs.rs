//! The files a project depends on, for `visivo serve` to watch.

use crate::{Loaded, Model};
use std::path::{Path, PathBuf};

/// Where git includes are cloned: they change only by fetching (which the loader itself does).
const GIT_CACHE_DIR: &str = ".visivo_cache";

impl Loaded {
    /// The files loading and running this project read: the project file, its includes and the
    /// profile (those read, even when the project has errors), the files CSV-script models name
    /// in their `args`, and the files of SQLite, DuckDB, CSV and Excel sources. Relative paths are
    /// taken from `working_dir`; git includes are left out.
    pub fn input_paths(&self, working_dir: &Path) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self
            .files
            .paths()
            .iter()
            .map(|p| working_dir.join(p))
            .collect();
        if let Some(project) = &self.project {
            let named_files = project.models.values().flat_map(|model| match model {
                Model::CsvScript(m) => m.args.clone(),
                _ => Vec::new(),
            });
            let databases = project
                .sources
                .values()
                .filter(|s| s.source_type.is_file())
                .flat_map(|s| s.database.iter().chain(&s.file).cloned());
            paths.extend(
                named_files
                    .chain(databases)
                    .map(|name| working_dir.join(name))
                    .filter(|p| p.is_file()),
            );
        }
        paths.retain(|p| !p.components().any(|c| c.as_os_str() == GIT_CACHE_DIR));
        paths.sort();
        paths.dedup();
        paths
    }
}

#[cfg(test)]
mod tests {
    use crate::{load_project, LoadOptions};
    use std::path::{Path, PathBuf};

    fn inputs(dir: &Path) -> Vec<String> {
        let loaded = load_project(&LoadOptions {
            working_dir: dir,
            source_override: None,
            profile: None,
        });
        loaded
            .input_paths(dir)
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap_or(p).display().to_string())
            .collect()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_project_its_includes_script_files_databases_and_data_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "project.visivo.yml",
            "name: p\nincludes:\n  - path: models/more.yml\nsources:\n  - name: db\n    type: sqlite\n    database: data/shop.db\n  - name: book\n    type: xls\n    file: data/book.xlsx\n",
        );
        write(
            d,
            "models/more.yml",
            "models:\n  - name: csv\n    args: [\"cat\", \"data/targets.csv\", \"data/missing.csv\"]\n",
        );
        write(d, "data/shop.db", "");
        write(d, "data/book.xlsx", "");
        write(d, "data/targets.csv", "a\n1\n");
        write(d, "serve.log", "not an input\n");
        assert_eq!(
            inputs(d),
            [
                "data/book.xlsx",
                "data/shop.db",
                "data/targets.csv",
                "models/more.yml",
                "project.visivo.yml"
            ]
        );
    }

    #[test]
    fn the_files_read_when_the_project_has_errors() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "project.visivo.yml",
            "name: p\nincludes:\n  - path: a.yml\n",
        );
        write(d, "a.yml", "tracez: []\n");
        assert_eq!(inputs(d), ["a.yml", "project.visivo.yml"]);
    }
}
