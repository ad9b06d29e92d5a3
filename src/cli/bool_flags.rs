//! Switches given a value, as in `up --menu=false`: the reference's command line accepts
//! `--flag=true` and `--flag=false` for every switch, clap only `--flag`. The arguments are
//! rewritten before parsing: `--flag=true` to `--flag`, `--flag=false` dropped.

use std::collections::BTreeSet;
use std::ffi::OsString;

use clap::{ArgAction, Command};

/// After their service, `run` and `exec` take the container's own command line, which is
/// never rewritten.
const COMMAND_TAKING: [&str; 2] = ["run", "exec"];

pub fn normalize(cli: &Command, args: Vec<OsString>) -> Vec<OsString> {
    let switches = switches(cli);
    let subcommands: BTreeSet<&str> = cli.get_subcommands().map(Command::get_name).collect();
    let mut out = Vec::with_capacity(args.len());
    let mut command: Option<String> = None;
    let mut verbatim = false;
    for arg in args {
        let Some(text) = arg.to_str().map(str::to_string) else {
            out.push(arg);
            continue;
        };
        if verbatim || out.is_empty() {
            out.push(arg);
            continue;
        }
        if text == "--" {
            verbatim = true;
        } else if !text.starts_with('-') {
            match &command {
                None if subcommands.contains(text.as_str()) => command = Some(text.clone()),
                Some(c) if COMMAND_TAKING.contains(&c.as_str()) => verbatim = true,
                _ => {}
            }
        } else if let Some(rewritten) = rewrite(&text, &switches) {
            out.extend(rewritten.map(OsString::from));
            continue;
        }
        out.push(arg);
    }
    out
}

/// `Some(Some(flag))` to keep the switch, `Some(None)` to drop it, `None` when not a switch.
fn rewrite(text: &str, switches: &BTreeSet<String>) -> Option<Option<String>> {
    let (name, value) = text.strip_prefix("--")?.split_once('=')?;
    if !switches.contains(name) {
        return None;
    }
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "t" => Some(Some(format!("--{name}"))),
        "false" | "0" | "f" => Some(None),
        _ => None,
    }
}

/// The long names of every switch of the command and its subcommands.
fn switches(cli: &Command) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![cli];
    while let Some(c) = stack.pop() {
        for a in c.get_arguments() {
            if matches!(a.get_action(), ArgAction::SetTrue | ArgAction::SetFalse) {
                out.extend(a.get_long().map(str::to_string));
            }
        }
        stack.extend(c.get_subcommands());
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    fn normalized(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(OsString::from).collect();
        normalize(&Cli::command(), args).into_iter().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn switches_with_a_value_are_rewritten_but_not_a_containers_command_line() {
        assert_eq!(normalized(&["dockhand", "up", "--menu=false", "-d"]), ["dockhand", "up", "-d"]);
        assert_eq!(normalized(&["dockhand", "up", "--detach=true"]), ["dockhand", "up", "--detach"]);
        assert_eq!(normalized(&["dockhand", "--progress=plain", "up"]), ["dockhand", "--progress=plain", "up"]);
        assert_eq!(
            normalized(&["dockhand", "exec", "--detach=false", "web", "ls", "--all=true"]),
            ["dockhand", "exec", "web", "ls", "--all=true"]
        );
        assert_eq!(normalized(&["dockhand", "up", "--", "--menu=false"]), ["dockhand", "up", "--", "--menu=false"]);
    }
}
