//! The dashboard viewer of Visivo, served and published.
//!
//! * [`assets`]: the built viewer (`viewer/dist`), embedded in release builds.
//! * [`project`]: `data/project.json` as the viewer wants it (the `{created_at, project_json}`
//!   wrapper, only what the viewer reads, optionally one dashboard).
//! * [`app`]: the HTTP server of `visivo serve`: viewer, data files, live reload (SSE).
//! * [`guard`]: which `Host`s serve answers (DNS rebinding) and the security headers.
//! * [`listen`]: accepting connections, with timeouts and a cap.
//! * [`site`]: the static site of `visivo dist`.
//! * [`watch`]: which file changes re-run the project under `visivo serve`.
//!
//! This is the last stage of the pipeline (load → validate → compile → run → serve, dist,
//! test): it reads only what the engine wrote under the output folder
//! ([`visivo_project::layout::OutputLayout`]: `project.json`, `inputs.json`, each trace's
//! `data.json`, `states.json` and `error.json`), never the project or a database. [`Live`] is the state of `visivo serve`: its
//! [`Live::router`] answers the viewer, and [`Live::reload`] / [`Live::error`] tell open
//! browsers after each run; [`listen::serve`] accepts connections within [`listen::Limits`].
//! [`write_site`] publishes the same viewer and data as static files.
//!
//! ```no_run
//! use std::sync::Arc;
//! use visivo_project::layout::OutputLayout;
//! use visivo_server::guard::AllowedHosts;
//! use visivo_server::{listen, write_site, Live, SiteOptions};
//!
//! // What `visivo run` wrote: target/project.json, target/<trace>/data.json.
//! let output = OutputLayout::new("target");
//!
//! // `visivo dist`: a static site in dist/.
//! let summary = write_site(&SiteOptions {
//!     dist_dir: std::path::Path::new("dist"),
//!     output: &output,
//!     traces: &["revenue".to_string()],
//!     dashboard: None,
//! })?;
//! println!("{} files, {} traces published", summary.files, summary.traces);
//!
//! // `visivo serve`: the viewer on 127.0.0.1:8080, live reload after each run.
//! let live: Arc<Live> = Live::new(output, None);
//! let app = live.router(AllowedHosts::new("127.0.0.1", &[]));
//! tokio::runtime::Runtime::new()?.block_on(async {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     listen::serve(listener, app, listen::Limits::default()).await;
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod app;
pub mod assets;
pub mod guard;
pub mod listen;
pub mod project;
pub mod site;
pub mod watch;

pub use app::Live;
pub use site::{write_site, SiteOptions, SiteSummary};
