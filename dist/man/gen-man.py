#!/usr/bin/env python3
"""Generates overlaylab's manual pages from one source each, so that they
cannot drift from the programs:

  overlaylab(1)           the verbs, their usage and options: the output of
                          `overlaylab --help` and `overlaylab VERB --help`
  overlayd(8)             the options: the output of `overlayd --help`
  overlaylab-scenario(5)  every element, attribute and type: the
                          xs:documentation in scenarios/overlaylab.xsd, and
                          the shipped scenarios as examples

The prose around them is in dist/man/*.in; a line there that is one of

  @VERBS@  @OPTIONS@  @TYPES@  @ELEMENTS@  @EXAMPLE two-node.xml@

is replaced by what it names, and @VERSION@ anywhere by the version.

  gen-man.py TEMPLATE OUTPUT --version V [--overlaylab BIN] [--overlayd BIN]
             [--xsd FILE] [--scenarios DIR]
  gen-man.py --check-schema FILE   exit 1, naming them, when a declaration
                                   of the schema has no documentation
"""
import argparse
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"


def esc(text):
    """Text as groff reads it: backslashes and minus signs escaped (what a
    reader copies from the page is what they type), no line opening a
    request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line[:1] in (".", "'") else line for line in text.split("\n"))


def run(*argv):
    # The programs' help does not depend on the locale or the terminal.
    env = dict(os.environ, LC_ALL="C", COLUMNS="80")
    return subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout


# --- the programs' --help --------------------------------------------------

# An option as boost::program_options lists it: "--out arg",
# "-c [ --count ] arg (=3)", "--json"; then its description, after one or
# more spaces.
OPTION = re.compile(r"^  (?:(-\w) \[ )?(--[\w-]+)(?: \])?( arg)?(?: \(=([^)]*)\))?(?: +(\S.*))?$")


def options_of(help_text):
    """[(short, long, takes_value, default, description)] from boost's
    listing; a description continues on the lines indented below it."""
    options = []
    for line in help_text.splitlines():
        m = OPTION.match(line)
        if m:
            short, long_, arg, default, description = m.groups()
            options.append([short, long_, bool(arg), default, (description or "").strip()])
            continue
        m = re.match(r"^ {3,}(\S.*)$", line)
        if m and options:
            options[-1][4] = (options[-1][4] + " " + m.group(1).strip()).strip()
    return options


def option_item(option, usage=""):
    """One option as a tagged paragraph. The value's name is the one the
    usage line shows ([--out DIR], [-c COUNT]), else the option's name."""
    short, long_, takes_value, default, description = option
    names = "\\fB%s\\fR" % esc(long_)
    if short:
        names = "\\fB%s\\fR, %s" % (esc(short), names)
    if takes_value:
        shown = None
        for flag in filter(None, (long_, short)):
            shown = shown or re.search(re.escape(flag) + r"[ =]([A-Za-z][\w|.-]*)", usage)
        names += " \\fI%s\\fR" % esc(shown.group(1) if shown else long_.lstrip("-").upper())
    text = esc(description)
    if default is not None:
        text += " (default: \\fB%s\\fR)" % esc(default)
    return ".TP\n%s\n%s\n" % (names, text)


def verbs_section(overlaylab):
    listing = run(overlaylab, "--help")
    verbs = re.findall(r"^  (\S+) +(.*)$", listing.split("verbs:", 1)[1], re.M)
    out = []
    for name, summary in verbs:
        text = run(overlaylab, name, "--help")
        usage = re.search(r"^usage: (.*)$", text, re.M).group(1)
        sentence = summary[0].upper() + summary[1:] + ("" if summary.endswith(".") else ".")
        out.append('.SS "%s"\n%s\n.PP\n.nf\n%s\n.fi\n' % (esc(name), esc(sentence), esc(usage)))
        for option in options_of(text):
            if option[1] != "--help":  # every verb has it; OPTIONS says so once
                out.append(option_item(option, usage))
    return "".join(out)


def options_section(program):
    return "".join(option_item(o) for o in options_of(run(program, "--help")) if o[1] != "--help")


# --- the schema -------------------------------------------------------------

def doc(node):
    d = node.find(XS + "annotation/" + XS + "documentation")
    return " ".join(d.text.split()) if d is not None and d.text else ""


def describe_type(attr):
    if attr.get("type"):
        t = attr.get("type")
        return {"xs:boolean": "true | false", "xs:string": "text"}.get(t, t)
    r = attr.find(XS + "simpleType/" + XS + "restriction")
    if r is None:
        return "text"
    choices = [e.get("value") for e in r.findall(XS + "enumeration")]
    if choices:
        return " | ".join(choices)
    low, high = r.find(XS + "minInclusive"), r.find(XS + "maxInclusive")
    if low is not None and high is not None:
        return "%s to %s" % (low.get("value"), high.get("value"))
    return r.get("base", "text")


def occurrence(el):
    low, high = el.get("minOccurs", "1"), el.get("maxOccurs", "1")
    return {("1", "1"): "exactly one", ("0", "1"): "optional",
            ("1", "unbounded"): "one or more", ("0", "unbounded"): "any number"}.get((low, high), "%s to %s" % (low, high))


def attribute_item(attr):
    terms = []
    if attr.get("use") == "required":
        terms.append("required")
    if attr.get("default") is not None:
        terms.append("default \\fB%s\\fR" % esc(attr.get("default")))
    if attr.get("fixed") is not None:
        terms.append("always \\fB%s\\fR" % esc(attr.get("fixed")))
    head = "\\fB%s\\fR=\\fI%s\\fR" % (esc(attr.get("name")), esc(describe_type(attr)))
    if terms:
        head += " (%s)" % ", ".join(terms)
    return ".TP\n%s\n%s\n" % (head, esc(doc(attr)))


def element_section(el, parent=None):
    ct = el.find(XS + "complexType")
    children = ct.findall(XS + "sequence/" + XS + "element") if ct is not None else []
    attrs = ct.findall(XS + "attribute") if ct is not None else []
    where = "the root element" if parent is None else "in \\fB<%s>\\fR, %s" % (parent, occurrence(el))
    out = ['.SS "<%s>"\n%s.\n%s\n' % (el.get("name"), where[0].upper() + where[1:], esc(doc(el)))]
    if children:
        out.append("Contains %s.\n" % ", ".join("\\fB<%s>\\fR" % c.get("name") for c in children))
    if not attrs and not children and el.get("type") == "xs:string":
        out.append("Its content is text.\n")
    out += [attribute_item(a) for a in attrs]
    for child in children:
        out.append(element_section(child, el.get("name")))
    return "".join(out)


def types_section(schema):
    return "".join(".TP\n.B %s\n%s\n" % (esc(t.get("name")), esc(doc(t)))
                   for t in schema.findall(XS + "simpleType"))


def undocumented(schema):
    """Every named type, element and attribute without documentation."""
    missing = []

    def visit(node, path):
        for child in node:
            if child.tag in (XS + "element", XS + "attribute", XS + "simpleType") and child.get("name"):
                here = path + [("@" if child.tag == XS + "attribute" else "") + child.get("name")]
                if not doc(child):
                    missing.append("/".join(here))
                visit(child, here)
            else:
                visit(child, path)

    visit(schema, [])
    return missing


# --- the page ----------------------------------------------------------------

def example(scenarios, name):
    with open(os.path.join(scenarios, name), encoding="utf-8") as f:
        text = f.read().rstrip("\n")
    return ".PP\n\\fI%s\\fR, shipped in the scenarios directory:\n.PP\n.EX\n%s\n.EE\n" % (esc(name), esc(text))


def generate(args):
    schema = ET.parse(args.xsd).getroot() if args.xsd else None
    out = []
    with open(args.template, encoding="utf-8") as f:
        for line in f:
            key = line.strip()
            if key == "@VERBS@":
                out.append(verbs_section(args.overlaylab))
            elif key == "@OPTIONS@":
                out.append(options_section(args.overlayd))
            elif key == "@TYPES@":
                out.append(types_section(schema))
            elif key == "@ELEMENTS@":
                out.append(element_section(schema.find(XS + "element")))
            elif key.startswith("@EXAMPLE "):
                out.append(example(args.scenarios, key[len("@EXAMPLE "):-1]))
            else:
                out.append(line.replace("@VERSION@", args.version))
    text = "".join(out)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.output)


def main():
    p = argparse.ArgumentParser(description="generate overlaylab's manual pages")
    p.add_argument("template", nargs="?")
    p.add_argument("output", nargs="?")
    p.add_argument("--version", default="")
    p.add_argument("--overlaylab")
    p.add_argument("--overlayd")
    p.add_argument("--xsd")
    p.add_argument("--scenarios")
    p.add_argument("--check-schema", metavar="XSD")
    args = p.parse_args()
    if args.check_schema:
        missing = undocumented(ET.parse(args.check_schema).getroot())
        for m in missing:
            print("%s: %s has no xs:documentation; overlaylab-scenario(5) is generated from it" %
                  (args.check_schema, m), file=sys.stderr)
        return 1 if missing else 0
    if not args.template or not args.output:
        p.error("give TEMPLATE and OUTPUT, or --check-schema XSD")
    generate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
