//! The commands' own output. When its reader has gone (`dockhand config | head -1`), the
//! process ends by SIGPIPE, as the reference (a Go program) does, where `println!` would panic.
//! The signal stays ignored for everything else, so that a closed engine socket is an error.

use std::io::{ErrorKind, Write};

pub fn print(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => die_of_sigpipe(),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

fn die_of_sigpipe() -> ! {
    // SAFETY: restoring the default action and raising a signal have no memory effects.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(128 + libc::SIGPIPE)
}
