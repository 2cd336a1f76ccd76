# expect: flag | target: py311 (raising KeyError on a miss costs 3-4x a membership test)
def count_known(keys, table):
    n = 0
    for k in keys:
        try:
            n += table[k]
        except KeyError:
            continue
    return n
