# expect: flag | target: py311 (str.format in a loop: an f-string compiles to cheaper code)
def labels(items):
    out = []
    for name, value in items:
        out.append("{}={}".format(name, value))
    return out
