//! The variables dockhand reads as a plain map: the loader interpolates with them, the engine
//! finds its address and builder settings in them. A leaf of its own, so that the engine
//! reads them without depending on the loader.

/// Variables by name, in the precedence the reference uses.
pub type Env = indexmap::IndexMap<String, String>;
