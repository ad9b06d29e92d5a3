//! `ps --format` beyond `table` and `json`: the Go templates the docker CLI takes, such as
//! `{{.Name}} {{.State}}` or `table {{.Name}}\t{{.Ports}}`, over the fields of the JSON form.
//! Only field references are understood; that is what such formats hold in practice. Without
//! `--format`, the `psFormat` of the Docker CLI's `config.json` applies, as with the reference.

use std::path::PathBuf;

use serde_json::Value;

use super::table;
use crate::load::Env;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsOutput {
    Table,
    Json,
    Template { text: String, table: bool },
}

/// The output `--format` (or the CLI configuration) asks for.
pub fn output(format: Option<&str>, env: &Env) -> PsOutput {
    let format = format.map(str::to_string).or_else(|| cli_ps_format(env));
    parse(format.as_deref())
}

/// `table`, `json`, or a template (`table ` before it for a header and aligned columns).
pub fn parse(format: Option<&str>) -> PsOutput {
    match format {
        None | Some("table") => PsOutput::Table,
        Some("json") => PsOutput::Json,
        Some(f) => match f.strip_prefix("table ") {
            Some(text) => PsOutput::Template { text: text.replace("\\t", "\t"), table: true },
            None => PsOutput::Template { text: f.replace("\\t", "\t"), table: false },
        },
    }
}

fn cli_ps_format(env: &Env) -> Option<String> {
    let dir = env.get("DOCKER_CONFIG").map(PathBuf::from).or_else(|| env.get("HOME").map(|h| PathBuf::from(h).join(".docker")))?;
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let config: Value = serde_json::from_str(&text).ok()?;
    config["psFormat"].as_str().filter(|f| !f.is_empty()).map(str::to_string)
}

/// One line per container; with `table`, a header and the columns aligned.
pub fn render(text: &str, as_table: bool, rows: &[Value]) -> Result<String, String> {
    let lines: Vec<String> = rows.iter().map(|r| fill(text, |field| value(r, field))).collect::<Result<_, _>>()?;
    if !as_table {
        return Ok(lines.iter().map(|l| format!("{l}\n")).collect());
    }
    let header = fill(text, |field| Ok(header(field)))?;
    let header: Vec<&str> = header.split('\t').collect();
    let cells: Vec<Vec<String>> = lines.iter().map(|l| l.split('\t').map(str::to_string).collect()).collect();
    Ok(table::render(&table::PS, &header, &cells))
}

/// The template with each `{{.Field}}` replaced.
fn fill(text: &str, mut field: impl FnMut(&str) -> Result<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").ok_or_else(|| format!("template parsing error: unclosed action in {text:?}"))?;
        let action = rest[start + 2..start + end].trim();
        let name = action.strip_prefix('.').ok_or_else(|| format!("template parsing error: unsupported action {{{{{action}}}}}"))?;
        out.push_str(&field(name)?);
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn value(row: &Value, field: &str) -> Result<String, String> {
    match row.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None => Err(format!("template parsing error: can't evaluate field {field}")),
    }
}

/// The column names the docker CLI gives the fields.
fn header(field: &str) -> String {
    let known = match field {
        "ID" => "CONTAINER ID",
        "RunningFor" => "CREATED",
        "CreatedAt" => "CREATED AT",
        "LocalVolumes" => "LOCAL VOLUMES",
        "ExitCode" | "Health" | "Publishers" => "<no value>",
        _ => "",
    };
    if known.is_empty() {
        field.to_ascii_uppercase()
    } else {
        known.to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn templates_fill_fields_and_tables_get_the_clis_headers() {
        let rows = [json!({"Name": "x-a-1", "State": "running", "ExitCode": 0, "ID": "508ad551b266"})];
        assert_eq!(render("{{.Name}} {{ .State }}", false, &rows).unwrap(), "x-a-1 running\n");
        assert_eq!(
            render("{{.Name}}\t{{.ID}}\t{{.ExitCode}}", true, &rows).unwrap(),
            "NAME      CONTAINER ID   <no value>\nx-a-1     508ad551b266   0\n"
        );
        assert!(render("{{.Bogus}}", false, &rows).unwrap_err().contains("can't evaluate field Bogus"));
        let env = Env::new();
        assert_eq!(output(Some("table {{.Name}}\\t{{.State}}"), &env), PsOutput::Template { text: "{{.Name}}\t{{.State}}".into(), table: true });
        assert_eq!(output(Some("json"), &env), PsOutput::Json);
    }
}
