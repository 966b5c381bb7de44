"""The four documents (四单) of a case, generated from its transition log and evidence:
问题清单 (problem_list), 交办单 (dispatch), 整改单 (rectification), 销号单 (closure).

``render_document(session, case, kind, fmt, names)`` → :class:`Document` as printable HTML (print CSS,
A4) or XLSX (openpyxl). PDF is not generated: the HTML print view prints to PDF from any browser with the
reader's CJK fonts, which no well-kept pure-Python PDF library matches without shipping a font.
Names come from ``workflow.documents``.
"""
from .content import DOC_KINDS, DocumentError, document_content
from .render import Document, render_document

__all__ = ["DOC_KINDS", "Document", "DocumentError", "document_content", "render_document"]
