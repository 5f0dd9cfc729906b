"""The two files an XDM medium holds for a person (IHE ITI-32 §3.32.4.1.2.2): README.TXT (who
made the medium, with which application, how it is organised) and INDEX.HTM (an XHTML index of
the documents, each a link to its file, readable in any browser without installing anything)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from resolvers.core.service import service_info
from resolvers.documents._formats import FORMATS
from resolvers.documents.xdm.identifiers import SUBSET_FOLDER
from storage.documents import DocumentDoc

SUBSET = SUBSET_FOLDER.rstrip("/")


@dataclass(frozen=True, slots=True)
class Listed:
    record: DocumentDoc
    path: str  # from the root of the archive
    author: str


def _day(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%d/%m/%Y")


def _size(size: int) -> str:
    return f"{size:,} octets".replace(",", "\u00a0")


def readme(patient_name: str, exported_by: str, at: datetime, count: int) -> bytes:
    info = service_info()
    lines = [
        "MON ESPACE SANTE - EXPORT DES DOCUMENTS",
        "",
        f"Documents de : {patient_name}",
        f"Exporte par : {exported_by}",
        f"Le : {at.astimezone(UTC).strftime('%d/%m/%Y a %H:%M UTC')}",
        f"Nombre de documents : {count}",
        "",
        f"Application : {info.name}, version {info.version}",
        "Editeur : Mon espace sante (service public, https://www.monespacesante.fr)",
        "",
        "CONTENU",
        "- INDEX.HTM : la liste des documents, a ouvrir dans un navigateur.",
        f"- {SUBSET}/METADATA.XML : les metadonnees IHE XDS (ebRIM 3.0) de chaque document.",
        f"- {SUBSET}/DOC*.* : les documents, tels qu'ils ont ete deposes.",
        "",
        "Cette archive suit le profil IHE XDM (Cross-Enterprise Document Media Interchange,",
        "transaction ITI-32) : un autre systeme de sante peut l'importer telle quelle.",
        "Elle contient des donnees de sante : conservez-la en lieu sur.",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


def index_htm(patient_name: str, at: datetime, documents: list[Listed]) -> bytes:
    rows = "\n".join(
        "<tr>"
        f"<td>{_day(item.record['created_at'])}</td>"
        f'<td><a href="{escape(item.path)}">{escape(item.record["title"])}</a></td>'
        f"<td>{escape(item.record['type']['label'])}</td>"
        f"<td>{escape(item.author)}</td>"
        f"<td>{escape(FORMATS.get(item.record['format'], item.record['format']))}</td>"
        f"<td>{_size(item.record['size'])}</td>"
        "</tr>"
        for item in documents
    )
    page = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML Basic 1.1//EN"
  "http://www.w3.org/TR/xhtml-basic/xhtml-basic11.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr">
<head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>Mon espace santé - documents de {escape(patient_name)}</title></head>
<body>
<h1>Mon espace santé</h1>
<p>Documents de {escape(patient_name)}, exportés le {_day(at)} : {len(documents)} document(s).
Voir aussi <a href="README.TXT">README.TXT</a>.</p>
<table border="1">
<tr><th>Date</th><th>Document</th><th>Type</th><th>Auteur</th><th>Format</th><th>Taille</th></tr>
{rows}
</table>
</body>
</html>
"""
    return page.encode("utf-8")
