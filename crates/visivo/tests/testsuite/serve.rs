//! `visivo serve` end to end: the real binary on a copy of examples/quickstart, on a free
//! loopback port, talked to over plain HTTP (helpers in common/serve.rs).

use crate::common::quickstart_copy;
use crate::common::serve::{edit, next_event, subscribe, Server};

use serde_json::Value;
use std::path::PathBuf;

#[test]
fn serves_the_quickstart_and_reloads_on_save() {
    let dir = quickstart_copy();
    let yaml: PathBuf = dir.path().join("project.visivo.yml");
    let mut server = Server::start(dir.path());

    // project.json: the wrapper, and nothing the viewer doesn't need.
    let project = server.get("/data/project.json");
    assert_eq!(project.status, 200, "{}", project.text());
    assert_eq!(project.header("cache-control").as_deref(), Some("no-cache"));
    let wrapper = project.json();
    assert!(
        wrapper["created_at"]
            .as_str()
            .is_some_and(|t| t.len() >= 19),
        "{wrapper}"
    );
    assert_eq!(
        wrapper["project_json"]["dashboards"][0]["name"],
        "Sales overview"
    );
    assert!(
        !project.text().contains("select * from orders"),
        "{}",
        project.text()
    );
    assert!(!project.text().contains("shop.db"), "{}", project.text());

    // A trace's data.
    let data = server.get("/data/revenue_by_region/data.json");
    assert_eq!(data.status, 200);
    assert_eq!(
        data.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(data.header("cache-control").as_deref(), Some("no-cache"));
    let before = data.json();
    assert!(
        before.as_object().is_some_and(|m| !m.is_empty()),
        "{before}"
    );
    // No error: an empty answer rather than a 404.
    assert_eq!(server.get("/data/revenue_by_region/error.json").status, 204);

    // Nothing else of the output directory, and no way out of it.
    for path in [
        "/data/revenue_by_region/query.sql",
        "/data/orders.sqlite",
        "/data/.visivo-state.json",
        "/data/no_such_trace/data.json",
        "/data/../project.visivo.yml",
        "/data/%2e%2e/project.visivo.yml",
        "/data/revenue_by_region/../../project.visivo.yml",
        "/data/revenue_by_region/%2e%2e/%2e%2e/project.visivo.yml",
        "/data/%2Fetc%2Fpasswd/data.json",
        "/assets/../project.visivo.yml",
        "/assets/missing.js",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("shop_db"), "{path}");
    }

    // The app, also on deep links, with its base.
    for path in [
        "/",
        "/Sales%20overview?Region=north",
        "/Sales%20overview/extra",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.text().contains("<base href=\"/\" />"),
            "{path}: {}",
            r.text()
        );
    }
    assert_eq!(server.get("/assets/app.js").status, 200);

    // Live reload: a changed trace is re-run and announced.
    let events = subscribe(server.port);
    assert_eq!(next_event(&events, "ok", &server)["type"], "ok");
    edit(&yaml, "y: query(sum(amount))", "y: query(sum(amount) * 2)");
    let reload = next_event(&events, "reload", &server);
    assert_eq!(
        reload["traces"],
        serde_json::json!(["revenue_by_region"]),
        "{}",
        server.log()
    );
    next_event(&events, "ok", &server);
    let after = server.get("/data/revenue_by_region/data.json").json();
    let y = |v: &Value| v["north"]["props.y"][0].as_f64().unwrap();
    assert!(
        (y(&after) - 2.0 * y(&before)).abs() < 1e-6,
        "{before} → {after}"
    );

    // A broken edit: an error with file and line; the last outputs are still served.
    edit(&yaml, "\ntraces:\n", "\ntraxes:\n");
    let error = next_event(&events, "error", &server);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("project.visivo.yml:"), "{message}");
    assert!(message.contains("traxes"), "{message}");
    assert_eq!(server.get("/data/project.json").status, 200);
    assert_eq!(
        server.get("/data/revenue_by_region/data.json").json(),
        after
    );
    // A browser that connects now learns about the problem at once.
    let late = subscribe(server.port);
    assert_eq!(
        next_event(&late, "error", &server)["message"],
        error["message"]
    );

    // Fixed: ok again.
    edit(&yaml, "\ntraxes:\n", "\ntraces:\n");
    next_event(&events, "reload", &server);
    next_event(&events, "ok", &server);

    // A failing query: announced like any change; its error.json tells why.
    edit(&yaml, "y: query(revenue)", "y: query(no_such_column)");
    let reload = next_event(&events, "reload", &server);
    assert_eq!(reload["traces"], serde_json::json!(["revenue_line"]));
    let failed = server.get("/data/revenue_line/error.json");
    assert_eq!(failed.status, 200);
    assert!(
        failed.json()["message"]
            .as_str()
            .unwrap()
            .contains("no_such_column"),
        "{}",
        failed.text()
    );

    assert!(server.alive(), "{}", server.log());
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_failing_trace_or_a_broken_project_does_not_stop_the_server() {
    let dir = quickstart_copy();
    let yaml = dir.path().join("project.visivo.yml");
    edit(&yaml, "y: query(revenue)", "y: query(no_such_column)");
    let server = Server::start(dir.path());
    assert!(server.log().contains("serving anyway"), "{}", server.log());
    assert_eq!(server.get("/data/revenue_line/error.json").status, 200);
    assert_eq!(server.get("/data/revenue_by_region/data.json").status, 200);
    drop(server);

    // Broken from the start: the previous outputs are served, with the error.
    edit(&yaml, "\ncharts:\n", "\nchartz:\n");
    let server = Server::start(dir.path());
    assert_eq!(server.get("/data/project.json").status, 200);
    let events = subscribe(server.port);
    let error = next_event(&events, "error", &server);
    assert!(
        error["message"].as_str().unwrap().contains("chartz"),
        "{error}"
    );
    let mut server = server;
    assert!(server.alive());
}
