//! The async runtime: only engine commands need one, each its own.

use std::future::Future;
use std::process::ExitCode;

/// Runs an engine command on a runtime of its own: only these commands need one.
pub fn block_on<F: Future<Output = ExitCode>>(f: F) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => {
            let code = rt.block_on(f);
            // A read of standard input may still be blocked in the pool: do not wait for it.
            rt.shutdown_background();
            code
        }
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
