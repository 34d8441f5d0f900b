//! The dashboard viewer of Visivo, served and published.
//!
//! * [`assets`]: the built viewer (`viewer/dist`), embedded in release builds.
//! * [`project`]: `data/project.json` as the viewer wants it (the `{created_at, project_json}`
//!   wrapper, only what the viewer reads, optionally one dashboard).
//! * [`app`]: the HTTP server of `visivo serve`: viewer, data files, live reload (SSE).
//! * [`guard`]: which `Host`s serve answers (DNS rebinding) and the security headers.
//! * [`listen`]: accepting connections, with timeouts and a cap.
//! * [`site`]: the static site of `visivo dist`.

pub mod app;
pub mod assets;
pub mod guard;
pub mod listen;
pub mod project;
pub mod site;

pub use app::Live;
pub use site::{write_site, SiteOptions, SiteSummary};
