//! The static site of `visivo dist`: the viewer, `data/project.json`, `data/inputs.json` and the
//! `data.json` and `states.json` of the project's traces — trace results only, nothing else of the
//! output directory (no SQL, no SQLite files, no model rows).
//!
//! Every URL is relative, so the folder works at a host's root or under any sub-path. Files of
//! at least [`assets::GZIP_MIN_BYTES`] get a `.gz` copy next to them for servers that send
//! precompressed files (nginx `gzip_static`, Caddy `precompressed`). `404.html` is a copy of
//! `index.html` for hosts that use it as the single-page fallback (GitHub Pages, Netlify,
//! Cloudflare Pages), so deep links to a dashboard work there.

use crate::{assets, project};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use visivo_project::layout::{unusable_name, OutputLayout};

/// What `visivo dist` publishes and where.
pub struct SiteOptions<'a> {
    /// The folder the site is written to; a previous Visivo site there is replaced.
    pub dist_dir: &'a Path,
    /// Where `visivo run` wrote `project.json` and the traces' `data.json`.
    pub output: &'a OutputLayout,
    /// The traces of the current project to publish.
    pub traces: &'a [String],
    /// Only this dashboard (when it exists).
    pub dashboard: Option<&'a str>,
}

/// What a site holds, for the summary line `visivo dist` prints.
#[derive(Debug, Default)]
pub struct SiteSummary {
    /// Files written (`.gz` copies included).
    pub files: usize,
    /// Traces whose `data.json` (and `states.json`, when they reference inputs) was published.
    pub traces: usize,
    /// Traces without a `data.json` (or with a name that is not a safe path).
    pub missing: Vec<String>,
}

/// Writes the site into `dist_dir`, replacing a previous Visivo site there. Refuses to touch a
/// non-empty folder that isn't one, or one that contains the output directory.
pub fn write_site(options: &SiteOptions) -> io::Result<SiteSummary> {
    let dist = options.dist_dir;
    prepare(dist, options.output.root())?;
    let mut summary = SiteSummary::default();
    let mut write = |rel: &str, bytes: &[u8]| -> io::Result<()> {
        let path = dist.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, bytes)?;
        summary.files += 1;
        if assets::compressible(rel) && bytes.len() >= assets::GZIP_MIN_BYTES {
            std::fs::write(gz_path(&path), assets::gzip(bytes))?;
            summary.files += 1;
        }
        Ok(())
    };
    for rel in assets::paths() {
        if let Some(asset) = assets::get(&rel) {
            write(&rel, &asset.data)?;
        }
    }
    let index = assets::index_html(None);
    write("404.html", index.as_bytes())?;

    let compiled_path = options.output.project_json();
    let compiled: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&compiled_path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("reading {}: {e}", compiled_path.display()),
            )
        })?)
        .map_err(|e| io::Error::other(format!("{}: {e}", compiled_path.display())))?;
    let wrapper = project::wrapper(
        project::viewer_project(&compiled, options.dashboard),
        SystemTime::now(),
    );
    // The site's `data/` folder has the output folder's shape, with only what the viewer reads.
    let site_data = OutputLayout::new("data");
    let relative = |path: PathBuf| path.to_string_lossy().into_owned();
    write(
        &relative(site_data.project_json()),
        wrapper.to_string().as_bytes(),
    )?;

    // Optional files (a project without inputs has neither) are copied when they exist.
    let mut copy_if_any = |from: PathBuf, to: PathBuf| -> io::Result<()> {
        match std::fs::read(&from) {
            Ok(bytes) => write(&relative(to), &bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("reading {}: {e}", from.display()),
            )),
        }
    };
    copy_if_any(options.output.inputs_json(), site_data.inputs_json())?;
    let mut published = 0;
    for trace in options.traces {
        let source = options.output.data_json(trace);
        if unusable_name(trace).is_some() || !source.is_file() {
            summary.missing.push(trace.clone());
            continue;
        }
        copy_if_any(source, site_data.data_json(trace))?;
        copy_if_any(
            options.output.states_json(trace),
            site_data.states_json(trace),
        )?;
        published += 1;
    }
    summary.traces = published;
    Ok(summary)
}

fn gz_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".gz");
    path.with_file_name(name)
}

/// An empty `dist_dir` to write into.
fn prepare(dist: &Path, output_dir: &Path) -> io::Result<()> {
    let absolute = |p: &Path| std::path::absolute(p).map(|p| p.canonicalize().unwrap_or(p));
    let (dist_abs, output_abs) = (absolute(dist)?, absolute(output_dir)?);
    if output_abs.starts_with(&dist_abs) {
        return Err(io::Error::other(format!(
            "the dist folder {} must not contain the output folder {}",
            dist.display(),
            output_dir.display()
        )));
    }
    match std::fs::read_dir(dist) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return std::fs::create_dir_all(dist),
        Err(e) => return Err(e),
        Ok(mut entries) => {
            if entries.next().is_none() {
                return Ok(());
            }
        }
    }
    if !is_site(dist) {
        return Err(io::Error::other(format!(
            "{} is not empty and holds no Visivo site: refusing to replace it (choose another --dist-dir)",
            dist.display()
        )));
    }
    std::fs::remove_dir_all(dist)?;
    std::fs::create_dir_all(dist)
}

/// A folder written by `write_site`: its index.html is the viewer's.
fn is_site(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("index.html"))
        .map(|html| html.contains(r#"<meta name="generator" content="visivo""#))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs() -> tempfile::TempDir {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(
            out.path().join("project.json"),
            r#"{"name":"p","sources":[{"name":"db","host":"db.internal"}],"dashboards":[{"name":"D","rows":[{"items":[{"chart":{"name":"c","traces":[{"name":"t","model":{"sql":"select 1"},"props":{"type":"bar"}}]}}]}]}]}"#,
        )
        .unwrap();
        for t in ["t", "stale"] {
            std::fs::create_dir_all(out.path().join(t)).unwrap();
            std::fs::write(
                out.path().join(t).join("data.json"),
                r#"{"t":{"props.x":[1]}}"#,
            )
            .unwrap();
            std::fs::write(
                out.path().join(t).join("states.json"),
                r#"{"inputs":["i"],"states":[]}"#,
            )
            .unwrap();
            std::fs::write(out.path().join(t).join("query.sql"), "select 1").unwrap();
        }
        std::fs::write(out.path().join("inputs.json"), r#"{"i":{"options":[1]}}"#).unwrap();
        std::fs::create_dir_all(out.path().join(".inputs")).unwrap();
        std::fs::write(out.path().join(".inputs/i.json"), "[1]").unwrap();
        std::fs::write(out.path().join("m.sqlite"), "x").unwrap();
        out
    }

    #[test]
    fn writes_the_site_and_nothing_else() {
        let out = outputs();
        let dist = tempfile::tempdir().unwrap();
        let site = dist.path().join("site");
        let traces = vec!["t".to_string(), "gone".to_string()];
        let summary = write_site(&SiteOptions {
            dist_dir: &site,
            output: &OutputLayout::new(out.path()),
            traces: &traces,
            dashboard: None,
        })
        .unwrap();
        assert_eq!(summary.traces, 1);
        assert_eq!(summary.missing, ["gone"]);
        assert!(site.join("index.html").is_file());
        assert!(site.join("404.html").is_file());
        assert!(site.join("assets/plotly.min.js.gz").is_file());
        assert!(site.join("data/t/data.json").is_file());
        assert!(site.join("data/t/states.json").is_file());
        assert!(site.join("data/inputs.json").is_file());
        assert!(!site.join("data/.inputs").exists());
        assert!(!site.join("data/stale").exists());
        assert!(!site.join("data/t/query.sql").exists());
        let project = std::fs::read_to_string(site.join("data/project.json")).unwrap();
        assert!(
            !project.contains("select 1") && !project.contains("db.internal"),
            "{project}"
        );

        // Again: the previous site is replaced.
        std::fs::write(site.join("data/old.json"), "{}").unwrap();
        write_site(&SiteOptions {
            dist_dir: &site,
            output: &OutputLayout::new(out.path()),
            traces: &traces,
            dashboard: None,
        })
        .unwrap();
        assert!(!site.join("data/old.json").exists());
    }

    #[test]
    fn refuses_foreign_folders() {
        let out = outputs();
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("notes.txt"), "mine").unwrap();
        let err = write_site(&SiteOptions {
            dist_dir: dist.path(),
            output: &OutputLayout::new(out.path()),
            traces: &[],
            dashboard: None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("refusing"), "{err}");
        assert!(dist.path().join("notes.txt").exists());
        let err = write_site(&SiteOptions {
            dist_dir: out.path().parent().unwrap(),
            output: &OutputLayout::new(out.path()),
            traces: &[],
            dashboard: None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("must not contain"), "{err}");
    }
}
