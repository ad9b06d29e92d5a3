//! The compose file format as data: which keys exist where and what each accepts. Drives
//! validation and generates `schema/compose.schema.json`.
