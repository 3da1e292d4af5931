"""Each system's own layout: its field names, date and sex formats, and how it writes names and addresses.

A native row is rendered from the canonical values and the native-only extras of the same record, so
the two views can never disagree about the data, only about its shape.
"""

from __future__ import annotations

from collections.abc import Callable

Row = dict[str, str]


def _dmy(iso: str, sep: str = "/") -> str:
    return f"{iso[8:10]}{sep}{iso[5:7]}{sep}{iso[:4]}" if iso else ""


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _d_mon_y(iso: str) -> str:
    return f"{iso[8:10]}-{_MONTHS[int(iso[5:7]) - 1]}-{iso[:4]}" if iso else ""


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def _spaced_nhs(nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if nhs else ""


_SEX_LETTER = {"female": "F", "male": "M", "unknown": "U", "": ""}


def _council_tax(c: Row, x: Row) -> Row:
    return {
        "ACCOUNT_REF": c["record_id"], "TITLE": x["title"].upper(),
        "FORENAMES": _join(c["given_name"], c["middle_name"]),
        "SURNAME": c["family_name"], "DOB": _dmy(c["date_of_birth"]), "NINO": c["ni_number"],
        "PROPERTY_REF": c["uprn"], "ADDR1": c["address_line_1"], "ADDR2": c["address_line_2"], "ADDR3": c["town"],
        "POSTCODE": c["postcode"], "TEL_NO": c["phone"], "EMAIL_ADDR": c["email"], "LIABLE_FROM": _dmy(x["since"]),
    }  # fmt: skip


def _housing(c: Row, x: Row) -> Row:
    gender = {"female": "Female", "male": "Male", "unknown": "Not known", "": ""}[c["sex"]]
    return {
        "personRef": c["record_id"], "tenancyRef": x["tenancy"], "personRole": x["relation"], "title": x["title"],
        "firstName": c["given_name"], "middleNames": c["middle_name"], "lastName": c["family_name"],
        "dateOfBirth": c["date_of_birth"], "gender": gender, "addressLine1": c["address_line_1"],
        "addressLine2": c["address_line_2"], "town": c["town"], "postCode": c["postcode"], "uprn": c["uprn"],
        "phoneNumber": c["phone"], "emailAddress": c["email"], "niNumber": c["ni_number"],
        "lastUpdated": f"{x['since']}T00:00:00Z",
    }  # fmt: skip


def _adult_social_care(c: Row, x: Row) -> Row:
    return {
        "Person ID": c["record_id"], "Forename": _join(c["given_name"], c["middle_name"]), "Surname": c["family_name"],
        "Date of Birth": _d_mon_y(c["date_of_birth"]), "Gender": _SEX_LETTER[c["sex"]],
        "NHS Number": _spaced_nhs(c["nhs_number"]), "NI Number": c["ni_number"],
        "Address": _join(c["address_line_1"], c["address_line_2"], c["town"], sep=", "), "Postcode": c["postcode"],
        "UPRN": c["uprn"], "Telephone": c["phone"], "Email": c["email"],
        "Date of Death": _d_mon_y(x["date_of_death"]), "Last Modified": _d_mon_y(x["since"]),
    }  # fmt: skip


def _childrens_services(c: Row, x: Row) -> Row:
    gender = {"female": "Female", "male": "Male", "unknown": "Unknown", "": ""}[c["sex"]]
    return {
        "cs_id": c["record_id"], "person_role": x["relation"], "forename": c["given_name"],
        "middle_names": c["middle_name"], "surname": c["family_name"], "dob": _dmy(c["date_of_birth"]),
        "gender": gender, "nhs_no": c["nhs_number"], "ni_no": c["ni_number"], "addr_line1": c["address_line_1"],
        "addr_line2": c["address_line_2"], "addr_town": c["town"], "addr_postcode": c["postcode"], "uprn": c["uprn"],
        "contact_tel": c["phone"], "contact_email": c["email"], "updated_on": _dmy(x["since"]),
    }  # fmt: skip


def _gp(c: Row, x: Row) -> Row:
    return {
        "PatientID": c["record_id"], "NHSNumber": c["nhs_number"],
        "Forenames": _join(c["given_name"], c["middle_name"]),
        "Surname": c["family_name"], "DateOfBirth": c["date_of_birth"].replace("-", ""), "Sex": _SEX_LETTER[c["sex"]],
        "AddressLine1": c["address_line_1"], "Locality": c["address_line_2"], "Town": c["town"],
        "Postcode": c["postcode"], "UPRN": c["uprn"], "Telephone": c["phone"], "Email": c["email"],
        "DateOfDeath": x["date_of_death"].replace("-", ""), "LastAmended": x["since"].replace("-", ""),
    }  # fmt: skip


def _schools(c: Row, x: Row) -> Row:
    return {
        "UPN": c["record_id"], "LegalForename": c["given_name"], "MiddleNames": c["middle_name"],
        "LegalSurname": c["family_name"], "DOB": _dmy(c["date_of_birth"]), "Gender": _SEX_LETTER[c["sex"]],
        "AddressLine1": c["address_line_1"], "AddressLine2": c["address_line_2"], "Town": c["town"],
        "Postcode": c["postcode"], "UPRN": c["uprn"], "Telephone": c["phone"], "Contact1Name": x["contact_name"],
        "Contact1Relationship": x["contact_relationship"] if x["contact_name"] else "",
        "Contact1Phone": x["contact_phone"], "Contact1Email": x["contact_email"], "LastUpdated": _dmy(x["since"]),
    }  # fmt: skip


def _waste(c: Row, x: Row) -> Row:
    if not c["family_name"]:
        occupier = "The Occupier"
    elif not c["given_name"]:
        occupier = f"{x['title'].upper()} {c['family_name']}"
    else:
        occupier = _join(c["given_name"], c["family_name"])
    return {
        "property_id": c["record_id"], "uprn": c["uprn"], "usrn": x["usrn"],
        "property_address": _join(c["address_line_1"], c["address_line_2"], c["town"], sep=", "),
        "postcode": c["postcode"], "occupier_name": occupier, "contact_phone": c["phone"],
        "collection_day": x["collection_day"], "updated": x["since"],
    }  # fmt: skip


FORMATTERS: dict[str, Callable[[Row, Row], Row]] = {
    "council-tax": _council_tax,
    "housing": _housing,
    "adult-social-care": _adult_social_care,
    "childrens-services": _childrens_services,
    "gp": _gp,
    "schools": _schools,
    "waste": _waste,
}
