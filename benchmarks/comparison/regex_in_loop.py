# expect: flag | target: py311 (the pattern is looked up in re's cache on every call: hoist re.compile)
import re


def matching(lines):
    return [line for line in lines if re.match(r"\d+-\d+", line)]
