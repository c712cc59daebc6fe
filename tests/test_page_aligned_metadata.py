"""A trajectory's metadata blocks never cross a 4 KiB page boundary, so kill -9 cannot tear one.

Linux copies a write into the page cache one page at a time and gives up between two pages once the writer
is killed. A dataset's object header that crossed a page boundary (four of them did in every new file) was
rewritten in place each time its rows grew; a kill -9 at that instant left it half new, and the dataset and
its rows unreadable (`incorrect metadata checksum`; about once in 2,000 kills of an ASHA run). Files are
now created with paged file-space aggregation, and the copies that repair and rewrite make are too."""

from __future__ import annotations

import h5py

import l2l
from l2l.results_schema.files import repair, rewrite
from test_multifidelity import mf_config

PAGE = 4096


def _headers_across_pages(path) -> list[str]:
    """The objects whose header (one block) crosses a 4 KiB page boundary; larger ones must start a page."""
    crossing = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            info = h5py.h5o.get_info(obj.id)
            start, size = info.addr, info.hdr.space.total
            if info.hdr.nchunks == 1 and size <= PAGE and start // PAGE != (start + size - 1) // PAGE:
                crossing.append(f"{name} at {start:#x}, {size} bytes")
            elif size > PAGE and info.hdr.nchunks == 1 and start % PAGE:
                crossing.append(f"{name} at {start:#x}, {size} bytes (larger than a page, not page-aligned)")
        f.visititems(visit)
    return crossing


def test_no_object_header_of_a_new_repaired_or_rewritten_trajectory_crosses_a_page_boundary(tmp_path):
    path = l2l.run(mf_config("asha", compute=200, seed=3), tmp_path / "run.h5")
    assert _headers_across_pages(path) == []
    repair(path)  # what l2l resume does to a file whose writer died
    assert _headers_across_pages(path) == []
    rewrite(path, lambda f: f.create_group("added").create_dataset("column", shape=(0,), maxshape=(None,),
                                                                   dtype="<f8", chunks=(256,)))
    assert _headers_across_pages(path) == []
    assert len(l2l.load(path, segments=True)) > 10  # the copies keep every committed segment
