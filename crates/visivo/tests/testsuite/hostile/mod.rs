//! Hostile input and faults: what an attacker or a tired user can throw at the tool. Each test
//! reproduces one way the tool used to crash, hang, leak or silently differ, and pins the fix.
//! Modules follow the data's path: loading files, git includes, running jobs, serving.

mod engine;
mod includes;
mod loader;
mod serve;
