//! Finding the compose files, the project directory and the project name.
