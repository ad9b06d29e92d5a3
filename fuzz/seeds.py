#!/usr/bin/env python3
"""Builds the seed corpora from our own material: the examples' files and the YAML, `.env`
and template strings written inline in our tests. With ../shared/conformance beside the
project (read at run time, never copied into the repository), its fixtures are added too.

Usage: seeds.py OUT_DIR   (writes OUT_DIR/load, OUT_DIR/dotenv, OUT_DIR/interpolate)"""
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("CONFORMANCE", os.path.join(os.path.dirname(ROOT), "shared", "conformance"))

# A Rust string literal: raw (r"…", r#"…"#) or ordinary with escapes.
LITERAL = re.compile(r'r(#*)"(.*?)"\1|"((?:[^"\\]|\\.)*)"', re.S)


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = s[i + 1] if i + 1 < len(s) else ""
        if n == "\n":  # a line continuation swallows the next line's indentation
            i += 2
            while i < len(s) and s[i] in " \t\n":
                i += 1
            continue
        simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == "u" and s[i + 2:i + 3] == "{":
            end = s.index("}", i)
            out.append(chr(int(s[i + 3:end], 16)))
            i = end + 1
        elif n == "x":
            out.append(chr(int(s[i + 2:i + 4], 16)))
            i += 4
        else:
            out.append(n)
            i += 2
    return "".join(out)


def literals(path):
    text = open(path, encoding="utf-8").read()
    for m in LITERAL.finditer(text):
        yield m.group(2) if m.group(2) is not None else unescape(m.group(3))


def rust_files(*dirs):
    for d in dirs:
        for base, _, names in os.walk(os.path.join(ROOT, d)):
            for n in names:
                if n.endswith(".rs"):
                    yield os.path.join(base, n)


def write(out, kind, data):
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def project(dir_):
    """A project directory as one `load` input: its files joined by NUL, in the target's order."""
    names = ["compose.yaml", "compose.override.yaml", ".env"]
    parts = [read(os.path.join(dir_, n)) if os.path.isfile(os.path.join(dir_, n)) else b"" for n in names]
    while parts and not parts[-1]:
        parts.pop()
    return b"\0".join(parts)


def main(out):
    for name in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        d = os.path.join(ROOT, "examples", name)
        write(out, "load", project(d))
        if os.path.isfile(os.path.join(d, ".env")):
            write(out, "dotenv", read(os.path.join(d, ".env")))
    for path in rust_files("src/load", "tests"):
        for s in literals(path):
            if "services" in s and ":" in s:
                write(out, "load", s)
            if "$" in s:
                write(out, "interpolate", s)
            if re.search(r"^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=", s, re.M) and "\n" in s:
                write(out, "dotenv", s)
    if os.path.isdir(SHARED):
        for base, _, names in os.walk(os.path.join(SHARED, "fixtures")):
            if "compose.yaml" in names:
                write(out, "load", project(base))
            for n in names:
                p = os.path.join(base, n)
                if n.endswith((".yaml", ".yml", ".override")):
                    write(out, "load", read(p))
                elif n.endswith(".env"):
                    write(out, "dotenv", read(p))
        for line in open(os.path.join(SHARED, "dotenv.jsonl"), encoding="utf-8"):
            case = json.loads(line)
            for text in [case.get("input")] + list(case.get("files_content") or []):
                if text:
                    write(out, "dotenv", text)
        for line in open(os.path.join(SHARED, "interpolation.jsonl"), encoding="utf-8"):
            template = json.loads(line).get("template")
            if template:
                write(out, "interpolate", template)
    for kind in ["load", "dotenv", "interpolate"]:
        d = os.path.join(out, kind)
        print(f"seeds {kind}: {len(os.listdir(d)) if os.path.isdir(d) else 0}")


if __name__ == "__main__":
    main(sys.argv[1])
