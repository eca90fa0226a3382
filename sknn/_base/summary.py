"""The layer table that ``MLPClassifier.summary()`` prints."""


def layer_table(network, dtype):
    """Layer, units, activation, dropout and parameter count of each layer."""
    rows = [("input", network.layer_sizes[0], "", "", 0)]
    if network.front_scale:  # s, one per input feature
        rows.append(
            ("front_scale", network.layer_sizes[0], "", "", network.layer_sizes[0])
        )
    hidden = network.layer_sizes[1:-1]
    layers = zip(hidden, network.activations, network.dropout)
    for i, (units, activation, rate) in enumerate(layers, start=1):
        fan_in = network.layer_sizes[i - 1]
        rows.append(
            (
                f"hidden_{i}",
                units,
                activation,
                f"{rate:g}",
                (fan_in + 1) * units,
            )
        )
    fan_in, units = network.layer_sizes[-2], network.layer_sizes[-1]
    rows.append(("output", units, network.output.name, "", (fan_in + 1) * units))

    header = ("Layer", "Units", "Activation", "Dropout", "Parameters")
    cells = [header] + [
        (name, str(u), act, drop, f"{p:,}" if p else "")
        for name, u, act, drop, p in rows
    ]
    widths = [max(len(row[c]) for row in cells) for c in range(len(header))]
    align = ["<", ">", "<", ">", ">"]

    def line(row):
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(row, align, widths)).rstrip()

    rule = "-" * len(line(header))
    total = sum(row[4] for row in rows)
    return "\n".join(
        [
            line(header),
            rule,
            *(line(r) for r in cells[1:]),
            rule,
            f"Total parameters: {total:,}",
            f"dtype: {dtype}",
        ]
    )
