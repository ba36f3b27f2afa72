#!/usr/bin/env python3
"""Lists the C++ functions whose body is longer than a limit, for tests/checks/function_length.sh.

A brace-depth scanner, not a parser: it strips comments, string, character and
raw string literals (digit separators such as 1'000 are not characters) and
preprocessor lines, then walks the braces.  A brace at namespace or class
level opens a function body when what comes before it, since the previous
';', '{' or '}', has a parameter list and no '=' ahead of it; constructor
initializers in braces (a_{x}) are recognised as such.  Lambdas and local
classes count as part of the function they sit in.  A function's length is
the number of lines after the one with its opening brace, up to and
including the one with its closing brace.

    function_length.py LIMIT FILE...     prints "FILE:LINE: NAME is N lines (limit LIMIT)"
                                         for each function over LIMIT; exits 1 if any
    function_length.py --self-test       checks the scanner on the tricky cases below
"""
import re
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
RAW_PREFIX = re.compile(r"(?:u8|u|U|L)?R\"([^()\\\s]{0,16})\(")


def strip(text):
    """The text with comments, literals and preprocessor lines blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if line_start and c == "#":
            # A preprocessor line, with its continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append("\n")
                    i += 2
                    continue
                i += 1
            continue
        line_start = c == "\n"
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, end) or " ")
            i = end
            continue
        m = RAW_PREFIX.match(text, i)
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = ")" + m.group(1) + '"'
            end = text.find(close, m.end())
            end = n if end < 0 else end + len(close)
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            # A number: digit separators (') and exponent signs belong to it.
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "._'" or
                             (text[j] in "+-" and text[j - 1] in "eEpP")):
                j += 1
            out.append("0")
            i = j
            continue
        if c.isalpha() or c == "_":
            m = IDENT.match(text, i)
            out.append(m.group(0))
            i = m.end()
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z_0-9]*|::|->|<=>|[=!<>]=|\"\"|''|.", re.S)


def tokens(code):
    """(token, line) pairs of stripped code, whitespace dropped."""
    line = 1
    for m in TOKEN.finditer(code):
        t = m.group(0)
        if t.isspace():
            line += t.count("\n")
        else:
            yield t, line


def drop_template_heads(head):
    """head without its leading access specifier and 'template <...>' clauses."""
    if len(head) >= 2 and head[0] in ("public", "private", "protected") and head[1] == ":":
        head = head[2:]
    while head and head[0] == "template":
        angles, parens, k = 0, 0, 1
        while k < len(head):
            t = head[k]
            if t == "(":
                parens += 1
            elif t == ")":
                parens -= 1
            elif parens == 0 and t == "<":
                angles += 1
            elif parens == 0 and t == ">":
                angles -= 1
                if angles == 0:
                    break
            k += 1
        head = head[k + 1:]
    return head


def top_level(head):
    """Indices of head's tokens outside any parentheses or brackets."""
    depth = 0
    for k, t in enumerate(head):
        if t in "([":
            depth += 1
        elif t in ")]":
            depth -= 1
        elif depth == 0:
            yield k


def function_name(head):
    """The name before the first top-level '(' of a function head: Class::name, operator==, ..."""
    if "operator" in head:
        start = head.index("operator")
        # operator() has its parameter list after its own "()".
        end = start + 3 if head[start + 1:start + 3] == ["(", ")"] else head.index("(", start + 1)
        name = "operator" + "".join(head[start + 1:end])
    else:
        start = _first_paren_outside_brackets(head) - 1
        name = head[start] if start >= 0 else "?"
    while start >= 2 and head[start - 1] == "::" and IDENT.fullmatch(head[start - 2]):
        name = head[start - 2] + "::" + name
        start -= 2
    return name


def classify(head):
    """What a '{' at namespace or class level opens: namespace, class, function, init or other."""
    head = drop_template_heads([t for t in head if t not in ("[[", "]]")])
    if not head:
        return "other"
    if head[0] in ("namespace", "inline") and "namespace" in head[:2]:
        return "namespace"
    if head[0] == "extern" and len(head) == 2:
        return "namespace"
    top = list(top_level(head))
    eq_first = next((k for k in top if head[k] == "="), None)
    paren_first = _first_paren_outside_brackets(head)
    if paren_first is not None and (eq_first is None or eq_first > paren_first):
        # A ctor's initializer in braces: "...) : a_(x), b_" before the '{'.
        close = _matching_paren(head, paren_first)
        rest = head[close + 1:]
        qualifiers = ("const", "noexcept", "override", "final", "mutable", "try")
        if ":" in rest and "->" not in rest and IDENT.fullmatch(head[-1]) and head[-1] not in qualifiers:
            return "init"
        return "function"
    if "enum" in head:
        return "other"
    if any(head[k] in ("class", "struct", "union") for k in top) and eq_first is None:
        return "class"
    return "other"


def _first_paren_outside_brackets(head):
    brackets = 0
    for k, t in enumerate(head):
        if t == "[":
            brackets += 1
        elif t == "]":
            brackets -= 1
        elif t == "(" and brackets == 0:
            return k
    return None


def _matching_paren(head, k):
    depth = 0
    for j in range(k, len(head)):
        if head[j] == "(":
            depth += 1
        elif head[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(head) - 1


def functions(code):
    """(name, first_line, last_line) of every function body at namespace or class level."""
    stack = []  # one entry per open brace: its kind
    head = []
    body = None  # (name, line, depth) of the function being skipped
    for t, line in tokens(code):
        if body is not None:
            if t == "{":
                body[2] += 1
            elif t == "}":
                body[2] -= 1
                if body[2] == 0:
                    yield body[0], body[1], line
                    body = None
                    head = []
            continue
        if t == "{":
            kind = "init" if stack and stack[-1] == "init" else classify(head)
            if kind == "function":
                body = [function_name(drop_template_heads(head)), line, 1]
                continue
            if kind == "other":
                body = [None, line, 1]
                continue
            stack.append(kind)
            if kind != "init":
                head = []
            else:
                head.append("{")
        elif t == "}":
            kind = stack.pop() if stack else "namespace"
            if kind == "init":
                head.append("}")
            else:
                head = []
        elif t == ";":
            head = []
        else:
            head.append(t)


# Braces in literals and comments, digit separators, a raw string, a brace initializer in a
# constructor, operators, a template head with a '>' in parentheses, an access specifier.
SELF_TEST = r"""
#define BRACE(a) { \
  a; }
namespace a::b {
const std::map<std::string, int> kUnits = {{"s", 1}, {"m", 60}};
constexpr long kNs = 1'000'000'000;
char c = '{';
const char* s = R"x(
} } }
)x";
enum class E : int { A, B };
struct Foo : Bar {
  Foo(int x) : a_{x}, b_(2) {
    int y = '}';
  }
  auto g() -> std::vector<int> {
    return {};
  }
  bool operator()(int) const { return true; }
  bool operator==(const Foo&) const {
    return true;
  }
 public:
  template <typename T, typename = std::enable_if_t<(sizeof(T) > 1)>>
  T h(T t) {
    /* } */ // }
    return t;
  }
  std::atomic<int> counts_[static_cast<size_t>(3)] = {};
};
int Foo::f(int x) {
  auto l = [&](int z) {
    return z;
  };
  return l(x);
}
}
"""
SELF_TEST_EXPECTED = [("Foo", 13, 15), ("g", 16, 18), ("operator()", 19, 19), ("operator==", 20, 22),
                      ("h", 25, 28), ("Foo::f", 31, 36)]


def self_test():
    found = [f for f in functions(strip(SELF_TEST)) if f[0] is not None]
    if found != SELF_TEST_EXPECTED:
        print(f"function_length.py: the self-test found {found}, expected {SELF_TEST_EXPECTED}")
        return 1
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    limit = int(argv[1])
    over = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            code = strip(f.read())
        for name, first, last in functions(code):
            length = last - first
            if name is not None and length > limit:
                print(f"{path}:{first}: {name} is {length} lines (limit {limit})")
                over += 1
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
