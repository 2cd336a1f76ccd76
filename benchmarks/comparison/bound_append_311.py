# expect: clean | target: py311 (binding `append = out.append` is SLOWER on 3.11+: 0.89-0.99x)
def squares(values):
    out = []
    for v in values:
        out.append(v * v)
        print(v)
    return out
