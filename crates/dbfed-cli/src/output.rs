//! Writing to stdout and stderr without panicking: a reader that stopped reading stdout (`| head`)
//! ends the command quietly with exit code 0; any other write failure exits 1 with the reason.

use std::fmt;
use std::io::{self, Write};

use crate::EXIT_FAILURE;

/// Writes one line to stdout and flushes it; a closed or failing stdout ends the process.
pub fn line(text: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    let written = stdout.write_fmt(text).and_then(|()| {
        stdout.write_all(b"\n")?;
        stdout.flush()
    });
    if let Err(err) = written {
        if err.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        error_line(format_args!(
            "dbfed: cannot write to standard output: {err}"
        ));
        std::process::exit(i32::from(EXIT_FAILURE));
    }
}

/// Writes one line to stderr; a failing stderr is ignored (there is nowhere left to say so).
pub fn error_line(text: fmt::Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    let _ = stderr
        .write_fmt(text)
        .and_then(|()| stderr.write_all(b"\n"));
}

/// `println!` that never panics: see [`line`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics: see [`error_line`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::error_line(format_args!($($arg)*))
    };
}

pub(crate) use {errln, outln};
