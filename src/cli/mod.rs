//! Command-line arguments (clap) turned into option structs.
