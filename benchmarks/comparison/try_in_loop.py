# expect: clean | target: py311 (zero-cost exceptions on 3.11+: nothing to gain)
def parse_all(values):
    out = []
    for value in values:
        try:
            out.append(int(value))
        except ValueError:
            out.append(0)
    return out
