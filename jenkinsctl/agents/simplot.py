"""`agents simulate --plot FILE.png`: per policy, over the trace's time, the queued builds, the
instances by market (and the warm pool's stopped ones), and each build's queue wait."""

from __future__ import annotations

from jenkinsctl.errors import UsageError

INSTALL_HINT = "install the plot extra: pip install 'jenkinsctl[plot]' (or pip install matplotlib)"


def plot(results, path: str, title: str = "", target_wait: float = 90.0) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib, which is not installed", INSTALL_HINT) from None
    rows = len(results)
    fig, axes = plt.subplots(rows, 3, figsize=(16, 2.3 * rows + 0.8), sharex=True, squeeze=False)
    for r, (res, ax) in enumerate(zip(results, axes, strict=False)):
        hours = [p[0] / 3600 for p in res.timeline]
        ax[0].fill_between(hours, [p[1] for p in res.timeline], step="post", color="tab:red", alpha=0.6)
        ax[0].set_ylabel(f"{res.policy}\n\nqueued builds")
        spot = [p[2] for p in res.timeline]
        od = [p[3] for p in res.timeline]
        ax[1].stackplot(hours, spot, od, labels=["spot", "on-demand"], colors=["tab:green", "tab:orange"],
                        step="post", alpha=0.8)
        ax[1].plot(hours, [p[4] for p in res.timeline], color="tab:blue", lw=1, label="stopped (warm pool)")
        ax[1].set_ylabel("instances")
        ax[2].scatter([s[0] / 3600 for s in res.starts], [s[1] for s in res.starts], s=4, color="tab:purple")
        ax[2].axhline(target_wait, color="grey", ls="--", lw=1)
        ax[2].set_ylabel("queue wait (s)")
        ax[2].set_ylim(bottom=0)
        ax[0].set_title(f"{res.policy}: ${res.cost:.2f}, p95 wait {res.p95_wait:.0f} s, max {res.max_wait:.0f} s, "
                        f"{res.lost} lost", loc="left", fontsize=9)
        if r == 0:
            ax[1].legend(loc="upper left", fontsize=7)
    for a in axes[-1]:
        a.set_xlabel("hours since the trace's start")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
