"""First-fit-decreasing bin packing of builds (cpu, memory) onto instances. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    name: str
    cpu: int  # ECS cpu units
    memory: int  # MiB usable by tasks


@dataclass
class Bin:
    shape: Shape
    key: str = ""  # instance id, or "" for an instance still to launch
    used_cpu: int = 0
    used_memory: int = 0
    items: list = field(default_factory=list)

    def fits(self, cpu: int, memory: int) -> bool:
        return self.used_cpu + cpu <= self.shape.cpu and self.used_memory + memory <= self.shape.memory

    def add(self, item, cpu: int, memory: int) -> None:
        self.used_cpu += cpu
        self.used_memory += memory
        self.items.append(item)


def smallest_fitting(shapes: list[Shape], cpu: int, memory: int) -> Shape | None:
    fitting = [s for s in shapes if s.cpu >= cpu and s.memory >= memory]
    return min(fitting, key=lambda s: (s.cpu, s.memory, s.name)) if fitting else None


def pack(items: list[tuple[object, int, int]], bins: list[Bin], shapes: list[Shape]) -> tuple[list[Bin], list[object]]:
    """Place (item, cpu, memory) into existing `bins` first, then into new bins of the smallest
    shape that fits the largest remaining item (conservative: capacity-optimized spot may hand
    out any listed type). Returns (new bins, items that fit no shape)."""
    new: list[Bin] = []
    too_big: list[object] = []
    big_cpu, big_memory = _big(items)
    for item, cpu, memory in sorted(items, key=lambda x: (-x[1], -x[2])):
        target = next((b for b in bins if b.fits(cpu, memory)), None) or \
            next((b for b in new if b.fits(cpu, memory)), None)
        if target is None:
            shape = smallest_fitting(shapes, big_cpu, big_memory) or smallest_fitting(shapes, cpu, memory)
            if shape is None:
                too_big.append(item)
                continue
            target = Bin(shape)
            new.append(target)
        target.add(item, cpu, memory)
    return new, too_big


def _big(items: list[tuple[object, int, int]]) -> tuple[int, int]:
    return (max((c for _, c, _ in items), default=0), max((m for _, _, m in items), default=0))
