//! Tables as the reference prints them (Go's tabwriter): every column but the last padded to
//! at least `min_width`, and to its longest cell plus `padding`.

pub struct Layout {
    pub min_width: usize,
    pub padding: usize,
}

/// The reference's `ls` and `images` tables.
pub const WIDE: Layout = Layout { min_width: 20, padding: 3 };
/// The reference's `ps` and `volumes` tables: cells padded to the column's longest plus three, at least ten,
/// trailing spaces included when the last cell is empty.
pub const PS: Layout = Layout { min_width: 10, padding: 3 };
/// The reference's `top` table.
pub const NARROW: Layout = Layout { min_width: 4, padding: 2 };

pub fn render(layout: &Layout, header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let widths: Vec<usize> = widths.iter().map(|w| (w + layout.padding).max(layout.min_width)).collect();
    let header: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == columns {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}", w = widths[i]));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_pad_like_tabwriter() {
        let rows = vec![vec!["a-very-long-project-name-x-web-1".to_string(), "busybox".to_string(), "x".to_string()]];
        let text = render(&WIDE, &["CONTAINER", "REPOSITORY", "TAG"], &rows);
        assert_eq!(
            text,
            format!("{:<35}{:<20}TAG\n{:<35}{:<20}x\n", "CONTAINER", "REPOSITORY", rows[0][0], "busybox")
        );
        assert_eq!(render(&NARROW, &["#", "UID"], &[vec!["1".into(), "root".into()]]), "#   UID\n1   root\n");
    }
}
