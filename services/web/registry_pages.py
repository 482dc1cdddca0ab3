"""The operator's members and corrections pages' entrypoints (an admin's; mixed into services/web/service.py's
WebService).

    GET  /<language>/operator/members[?after=]           the registry's members: code, kind, names in ar, fr and en,
                                                         region, time zone (intake's GET /api/v1/members with the
                                                         session: one bounded page, a link to the next)
    GET  /<language>/operator/corrections[?cursor=]      findings withdrawn and cases reopened for correction, newest
                                                         first, with who, when and why, and links to the finding and
                                                         the case's timeline (publication's corrections: one bounded
                                                         page, a link to the next)

Only a signed-in admin (operator_pages.py's _operator_admin): signed out, the sign-in page, which brings them back;
any other role, a 403 page. Every page here is no-store. The members come from intake's API, which alone decides
who reads them; the corrections are publication's public trail, read as the timeline page reads it
(queries.corrections: publication's own query, the one its GET /api/v1/corrections serves).
"""
from shared.irm import LANGUAGES
from shared.http import Unprocessable
from shared.webserver import http

from services.web import queries, registry_views as views

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
MEMBERS, CORRECTIONS = views.MEMBERS, views.CORRECTIONS


class RegistryPages:
    @http("GET", f"/{LANGUAGE}{MEMBERS}")
    def operator_members(self, request, language):
        me, answer = self._operator_admin(request, language, MEMBERS)
        if me is None:
            return answer
        after = request.args.get("after") or None
        listed = self.intake.members(request, after, views.PAGE_SIZE)
        if listed.status == 422 and after:  # a cursor intake does not take: the first page
            after, listed = None, self.intake.members(request, None, views.PAGE_SIZE)
        if listed.status != 200:
            return self._operator_trouble(request, language, MEMBERS, listed)
        return self.pages.page(request, language, MEMBERS, "operator_members.html", private=True,
                               **views.members_page(listed.body, language, after))

    @http("GET", f"/{LANGUAGE}{CORRECTIONS}")
    def operator_corrections(self, request, language):
        me, answer = self._operator_admin(request, language, CORRECTIONS)
        if me is None:
            return answer
        cursor = request.args.get("cursor") or None
        try:
            listed = queries.corrections(cursor, views.PAGE_SIZE)
        except Unprocessable:  # a cursor publication did not give: the first page
            cursor, listed = None, queries.corrections(None, views.PAGE_SIZE)
        return self.pages.page(request, language, CORRECTIONS, "operator_corrections.html", private=True,
                               **views.corrections_page(listed, language, cursor))
