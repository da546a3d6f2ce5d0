//! `package.json`, edited textually: a small scanner finds the byte span of each member's
//! value, so only the version or requirement bytes change (a JSON library would reorder or
//! re-indent the file).

use std::ops::Range;

use super::{EditError, apply_splices};

/// One member of a JSON object: its decoded key and the byte span of its raw value.
struct Member {
    key: String,
    value: Range<usize>,
}

/// The members of the JSON object whose `{` is at byte `open` of `text`, in order. `text` must
/// already be known to be valid JSON; the scanner still fails cleanly (with `None`) rather than
/// panicking on anything unexpected.
fn object_members(text: &str, open: usize) -> Option<Vec<Member>> {
    let bytes = text.as_bytes();
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    let mut members = Vec::new();
    let mut i = skip_ws(bytes, open + 1);
    if bytes.get(i) == Some(&b'}') {
        return Some(members);
    }
    loop {
        let key_end = string_end(bytes, i)?;
        let key: String = serde_json::from_str(&text[i..key_end]).ok()?;
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(bytes, i + 1);
        let value_end = value_end(bytes, value_start)?;
        members.push(Member { key, value: value_start..value_end });
        i = skip_ws(bytes, value_end);
        match bytes.get(i) {
            Some(b',') => i = skip_ws(bytes, i + 1),
            Some(b'}') => return Some(members),
            _ => return None,
        }
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The index just past the JSON string that starts (with `"`) at `i`.
fn string_end(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match bytes.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// The index just past the JSON value that starts at `i`.
fn value_end(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes.get(i)? {
        b'"' => string_end(bytes, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match bytes.get(j)? {
                    b'"' => {
                        j = string_end(bytes, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while bytes
                .get(j)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                j += 1;
            }
            Some(j)
        }
    }
}

/// The members of the top-level object of the JSON `text`, after checking it parses.
fn npm_members(path_name: &str, text: &str) -> Result<Vec<Member>, EditError> {
    let parse_error = |message: String| EditError::Parse { path: path_name.to_owned(), message };
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| parse_error(e.to_string()))?;
    if !doc.is_object() {
        return Err(parse_error("the top level is not an object".to_owned()));
    }
    object_members(text, skip_ws(text.as_bytes(), 0))
        .ok_or_else(|| parse_error("unexpected JSON layout".to_owned()))
}

/// The decoded JSON string at `span`, if the value there is a string.
fn json_string(text: &str, span: &Range<usize>) -> Option<String> {
    serde_json::from_str::<String>(&text[span.clone()]).ok()
}

fn json_encode(value: &str) -> String {
    serde_json::to_string(value).expect("a string always serialises to JSON")
}

pub(super) fn npm_version(path_name: &str, text: &str, version: &str) -> Result<String, EditError> {
    let members = npm_members(path_name, text)?;
    // The last one wins, as in `JSON.parse` and `serde_json`.
    let member = members.iter().rev().find(|m| m.key == "version").ok_or(EditError::NoVersion {
        path: path_name.to_owned(),
        looked_for: "a top-level `\"version\"`",
    })?;
    let current = json_string(text, &member.value).ok_or_else(|| EditError::NotAString {
        path: path_name.to_owned(),
        key: "\"version\"".to_owned(),
    })?;
    if current == version {
        return Ok(text.to_owned());
    }
    Ok(apply_splices(text, vec![(member.value.clone(), json_encode(version))]))
}

pub(super) fn npm_dependency(
    path_name: &str,
    text: &str,
    dep_name: &str,
    requirement: &str,
) -> Result<String, EditError> {
    const SECTIONS: [&str; 4] =
        ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];
    let mut splices = Vec::new();
    for section in npm_members(path_name, text)? {
        if !SECTIONS.contains(&section.key.as_str()) || text.as_bytes()[section.value.start] != b'{'
        {
            continue;
        }
        let deps = object_members(text, section.value.start).ok_or_else(|| EditError::Parse {
            path: path_name.to_owned(),
            message: format!("unexpected JSON layout in `{}`", section.key),
        })?;
        for dep in deps {
            let Some(current) = json_string(text, &dep.value) else { continue };
            let new = if let Some(alias) = current.strip_prefix("npm:") {
                // `"alias": "npm:real@range"`: matched by the real name, whatever the key.
                match alias.rsplit_once('@') {
                    Some((name, _)) if name == dep_name => format!("npm:{name}@{requirement}"),
                    _ => continue,
                }
            } else if dep.key == dep_name && !current.contains(':') {
                requirement.to_owned()
            } else {
                continue;
            };
            if new != current {
                splices.push((dep.value, json_encode(&new)));
            }
        }
    }
    Ok(apply_splices(text, splices))
}
