"""The kit every page shares: its CSS, embedded images, figures as PNG.

The report, the history page, the summary page and the cohort page all look the
same and stand alone (no file beside them): they take their style and their
pictures from here.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Final

#: The style of every page halfcircle writes (report, history, cohort); each may add its own.
PAGE_CSS: Final = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f4;color:#1d2a2a}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-weight:600;margin:0 0 4px}h2{margin-top:32px;font-weight:600}
.sub{color:#5a6b6b;margin:0 0 20px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border-radius:12px;padding:14px 18px;box-shadow:0 1px 3px #0001;min-width:140px}
.card b{display:block;font-size:28px;color:#1f7a6d}
.card small{display:block;color:#5a6b6b;margin-top:2px}
video,img{max-width:100%;border-radius:12px;background:#000}
img{background:#fff}
.tablewrap{overflow-x:auto;background:#fff;border-radius:12px;max-width:100%;margin-top:12px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:8px 10px;text-align:right;border-bottom:1px solid #e6e9e6}
th:first-child,td:first-child{text-align:left}
.feedback li{margin:6px 0}.note{color:#8a5a00}
.explain{color:#3d4d4d;margin:12px 0 0;max-width:72ch}
.foot{color:#5a6b6b;font-size:13px;margin:8px 0 0}
th[title]{cursor:help}td{white-space:nowrap}
h1,.sub,.card,li,p{overflow-wrap:anywhere}
picture{display:block}
@media (max-width:600px){main{padding:16px}.card{flex:1 1 calc(50% - 6px);min-width:0;box-sizing:border-box}th,td{padding:8px}}
footer{color:#7a8a8a;font-size:13px;margin-top:32px}
"""  # noqa: E501


def img_html(png: bytes, alt: str) -> str:
    """An ``<img>`` with the PNG embedded (base64), so the page stands alone."""
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def figure_png(fig: object, dpi: int = 110) -> bytes:
    """A matplotlib figure as PNG bytes, cropped to what it draws."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")  # type: ignore[attr-defined]
    return buf.getvalue()
