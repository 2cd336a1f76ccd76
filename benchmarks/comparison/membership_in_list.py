# expect: flag | target: py311 (a list scanned on every iteration: build a set once)
def common(xs, ys):
    wanted = [y * 2 for y in ys]
    return [x for x in xs if x in wanted]
