"""The permission matrix: every URL pattern of the resolver and every operation of the OpenAPI
schema, for every persona and every method the route accepts, against DESIGN.md §4 "Who sees
what" (refined in docs/decisions.md).

How to read `MATRIX` (one row per route and method):

- route: the URL name (namespaced for pages, the router's name for the API); ``admin:*``
  stands for every route of the Django admin (none of the personas is staff).
- kind: which pair of objects of `tests/security/conftest.py` fills the URL (pk, plant id,
  evidence id, item…), the query string (`QUERY`) or the body (`PAYLOADS`); ``-``: none.
- one column per persona (``anon`` not signed in, ``out`` signed in without membership,
  ``agy`` agency staff, ``con`` consultant, ``pA``/``pB`` partner firms A/B, ``off``
  ministry official, ``sme`` a member of plant A's company): ``A/F`` is the answer on the
  persona's allowed object A and on their forbidden object F; a single code is the answer on both (or on the only request).

Codes: ``200 201 202 204 400 401 403 404 405`` the status; ``302`` a redirect elsewhere than
a login page; ``login`` a redirect to the login page (where a logout lands too); ``adm`` a
redirect to the admin login; ``back`` a write refused with a message and a redirect (302).
Allowed writes send a valid body (`PAYLOADS`), so the code is the one of a real success.

Checked as well:
- a refused write (``login adm back 400 401 403 404 405``) changes no row of the hub's tables;
- a list with a kind shows exactly the objects its detail route lets the persona see (`LISTS`);
- every route of the resolver and every operation of the schema has its rows, every row its
  route, and the methods of a row are those the view accepts; any other method answers 405
  to agency staff and changes nothing (Django's form views take PUT as a POST without a
  parsed body: their POST rows cover it).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.views.generic.edit import ProcessFormView
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from assessments.importers import template_header as history_template_header
from assessments.models import Assessment, Evidence, SelfAssessment, SpotCheck
from hub.importers import template_header as plant_template_header
from hub.models import Plant
from programs.choices import TargetLevel
from programs.importers import KPI_COLUMNS, PROJECT_COLUMNS
from programs.importers import template_header as program_template_header
from tests.security.conftest import (
    INVITATION_TOKEN,
    MATRIX_SIZE,
    PAIRS,
    PASSWORD,
    PERSONAS,
    pdf_upload,
)

MATRIX = """
# route                        method kind   anon  out   agy      con      pA       pB       off      sme
# --- public, account and audit pages -------------------------------------------------------------
home                           GET    -      login 200   200      200      200      200      200      302
healthz                        GET    -      200   200   200      200      200      200      200      200
login                          GET    -      200   200   200      200      200      200      200      200
login                          POST   -      302   302   302      302      302      302      302      302
logout                         POST   -      login login login    login    login    login    login    login
hub:mfa_settings               GET    -      login 200   200      200      200      200      200      200
hub:mfa_setup                  GET    -      login 200   200      200      200      200      200      200
hub:mfa_setup                  POST   -      login 302   302      302      302      302      302      302
hub:mfa_verify                 GET    -      login 302   302      302      302      302      302      302
hub:mfa_verify                 POST   -      login 400   400      400      400      400      400      400
hub:mfa_recovery_codes         POST   -      login back  back     back     back     back     back     back
hub:mfa_turn_off               POST   -      login 302   302      302      302      302      302      302
set_language                   GET    -      302   302   302      302      302      302      302      302
set_language                   POST   -      302   302   302      302      302      302      302      302
javascript-catalog             GET    -      200   200   200      200      200      200      200      200
audit-list                     GET    -      login 403   200      403      403      403      403      403
# --- registry pages: plants, organisations, mentorships ------------------------------------------
hub:plant_list                 GET    plant  login 200   200      200      200      200      200      200
hub:plant_lookup               GET    plant  login 200   200      200      200      200      200      200
hub:organization_lookup        GET    org    login 200   200      200      200      200      200      200
hub:consultant_lookup          GET    -      login 403   200      403      403      403      403      403
hub:plant_create               GET    -      login 403   200      403      403      403      403      403
hub:plant_create               POST   -      login 403   302      403      403      403      403      403
hub:plant_import               GET    -      login 403   200      403      403      403      403      403
hub:plant_import               POST   -      login 403   200      403      403      403      403      403
hub:plant_detail               GET    plant  login 404   200      200/404  200/404  200/404  200      200/404
hub:plant_update               GET    plant  login 404   200      403/404  403/404  403/404  403      403/404
hub:plant_update               POST   plant  login 404   302      403/404  403/404  403/404  403      403/404
hub:organization_list          GET    org    login 200   200      200      200      200      200      200
hub:organization_create        GET    -      login 403   200      403      403      403      403      403
hub:organization_create        POST   -      login 403   302      403      403      403      403      403
hub:organization_detail        GET    org    login 404   200      200/404  200/404  200/404  200      200/404
hub:organization_update        GET    org    login 404   200      403/404  403/404  403/404  403      403/404
hub:organization_update        POST   org    login 404   302      403/404  403/404  403/404  403      403/404
hub:mentorship_list            GET    ment   login 200   200      200      200      200      200      200
hub:mentorship_create          GET    -      login 403   200      403      403      403      403      403
hub:mentorship_create          POST   -      login 403   302      403      403      403      403      403
hub:mentorship_detail          GET    ment   login 404   200      200/404  200/404  200/404  200      200/404
hub:mentorship_update          GET    ment   login 404   200      403/404  403/404  403/404  403      403/404
hub:mentorship_update          POST   ment   login 404   302      403/404  403/404  403/404  403      403/404
# --- assessment pages ----------------------------------------------------------------------------
assessments:assessment_list    GET    asm    login 200   200      200      200      200      200      200
assessments:assessment_compare GET    asm    login 404   200      200/404  200/404  200/404  200/404  200/404
assessments:assessment_open    GET    plant  login 404   200      403/404  403/404  403/404  403      403/404
assessments:assessment_open    POST   plant  login 404   302/200  403/404  403/404  403/404  403      403/404
assessments:assessment_detail  GET    asm    login 404   200      200/404  200/404  200/404  200/404  200/404
assessments:assessment_fill    GET    asm    login 404   403      200/404  302/404  302/404  302/404  302/404
assessments:item_save          POST   asm    login 404   403      302/404  403/404  403/404  403/404  403/404
assessments:evidence_upload    POST   asm    login 404   403      302/404  403/404  403/404  403/404  403/404
assessments:evidence_download  GET    ev     login 404   200      200/404  200/404  200/404  200/404  200/404
assessments:evidence_delete    POST   ev     login 404   403      302/404  403/404  403/404  403/404  403/404
assessments:assessment_submit  POST   asm    login 404   403      302/404  403/404  403/404  403/404  403/404
assessments:assessment_confirm POST   dec    login 404   302/back 403/404  403/404  403/404  403/404  403/404
assessments:assessment_return  POST   dec    login 404   302/back 403/404  403/404  403/404  403/404  403/404
assessments:framework_list     GET    -      login 200   200      200      200      200      200      200
assessments:framework_detail   GET    fw     login 404   200      200      200      200      200      200
# --- self-diagnosis pages (the plant's SME members write; agency staff read finished ones) ------
assessments:self_assessment_list        GET    self   login 200   200      200      200      200      200      200
assessments:self_assessment_over_rating GET    -      login 403   200      403      403      403      403      403
assessments:self_assessment_start       GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
assessments:self_assessment_start       POST   plant  login 404   403      403/404  403/404  403/404  403      302/404
assessments:self_assessment_detail      GET    self   login 404   200      200/404  404      404      404      200/404
assessments:self_assessment_fill        GET    selfd  login 404   404      404      404      404      404      200/404
assessments:self_assessment_item_save   POST   selfd  login 404   404      404      404      404      404      302/404
assessments:self_assessment_finish      POST   selfd  login 404   404      404      404      404      404      back/404
assessments:self_assessment_share       POST   self   login 404   403      403/404  404      404      404      302/404
assessments:self_assessment_delete      POST   selfd  login 404   404      404      404      404      404      302/404
assessments:self_assessment_compare     GET    self   login 404   200      200/404  404      404      404      200/404
# --- program pages -------------------------------------------------------------------------------
programs:program_list          GET    prog   login 200   200      200      200      200      200      200
programs:program_create        GET    -      login 403   200      403      403      403      403      403
programs:program_create        POST   -      login 403   302      403      403      403      403      403
programs:program_detail        GET    prog   login 404   200      200      200/404  200/404  200      200
programs:program_update        GET    prog   login 404   200/403  403      403/404  403/404  403      403
programs:program_update        POST   prog   login 404   302/403  403      403/404  403/404  403      403
programs:commitment_set        GET    prog   login 404   200/403  403      403/404  403/404  403      403
programs:commitment_set        POST   prog   login 404   302/403  403      403/404  403/404  403      403
programs:project_list          GET    proj   login 200   200      200      200      200      200      200
programs:project_create        GET    -      login 403   200      403      403      403      403      403
programs:project_create        POST   -      login 403   302      403      403      403      403      403
programs:project_import        GET    -      login 403   200      403      403      403      403      403
programs:project_import        POST   -      login 403   200      403      403      403      403      403
programs:project_detail        GET    proj   login 404   200      200/404  200/404  200/404  200      200/404
programs:project_update        GET    proj   login 404   200/403  403/404  403/404  403/404  403      403/404
programs:project_update        POST   proj   login 404   302/403  403/404  403/404  403/404  403      403/404
programs:project_advance       POST   proj   login 404   302/403  403/404  403/404  403/404  403      403/404
programs:kpi_record            GET    proj   login 404   200/403  403/404  403/404  403/404  403      403/404
programs:kpi_record            POST   proj   login 404   302/403  403/404  403/404  403/404  403      403/404
programs:kpi_import            GET    -      login 403   200      403      403      403      403      403
programs:kpi_import            POST   -      login 403   200      403      403      403      403      403
programs:ledger                GET    -      login 404   200      404      200      200      200      404
programs:portfolio             GET    firm   login 404   200      404      200      200      200      404
progress:dashboard             GET    firm   login 404   200      404      200      200      200      404
progress:target_list           GET    -      login 404   200      404      404      404      200      404
progress:target_update         GET    target login 404   200      404      404      404      403      404
progress:target_update         POST   target login 404   302      404      404      404      403      404
progress:report_list           GET    rep    login 200   200      200      200      200      200      200
progress:report_list           POST   firm   login 403   302      403      302/400  302/400  302      403
progress:report_detail         GET    rep    login 404   200      404      200/404  200/404  200      404
progress:report_detail         POST   failed login 404   302      404      302/404  302/404  302      404
progress:report_status         GET    rep    login 404   200      404      200/404  200/404  200      404
progress:report_download       GET    rep    login 404   200      404      200/404  200/404  200      404
# --- API: root, token, schema --------------------------------------------------------------------
api-root                       GET    -      401   200   200      200      200      200      200      200
api_token                      POST   -      200   200   200      200      200      200      200      200
api_schema                     GET    -      200   200   200      200      200      200      200      200
api_docs                       GET    -      200   200   200      200      200      200      200      200
# --- API: registry -------------------------------------------------------------------------------
organization-list              GET    org    401   200   200      200      200      200      200      200
organization-list              POST   -      401   403   201      403      403      403      403      403
organization-detail            GET    org    401   404   200      200/404  200/404  200/404  200      200/404
organization-detail            PUT    org    401   404   200      403/404  403/404  403/404  403      403/404
organization-detail            PATCH  org    401   404   200      403/404  403/404  403/404  403      403/404
plant-list                     GET    plant  401   200   200      200      200      200      200      200
plant-list                     POST   -      401   403   201      403      403      403      403      403
plant-detail                   GET    plant  401   404   200      200/404  200/404  200/404  200      200/404
plant-detail                   PUT    plant  401   404   200      403/404  403/404  403/404  403      403/404
plant-detail                   PATCH  plant  401   404   200      403/404  403/404  403/404  403      403/404
mentorship-list                GET    ment   401   200   200      200      200      200      200      200
mentorship-list                POST   -      401   403   201      403      403      403      403      403
mentorship-detail              GET    ment   401   404   200      200/404  200/404  200/404  200      200/404
mentorship-detail              PUT    ment   401   404   200      403/404  403/404  403/404  403      403/404
mentorship-detail              PATCH  ment   401   404   200      403/404  403/404  403/404  403      403/404
# --- API: assessments ----------------------------------------------------------------------------
framework-list                 GET    -      401   200   200      200      200      200      200      200
framework-detail               GET    fw     401   404   200      200      200      200      200      200
assessment-list                GET    asm    401   200   200      200      200      200      200      200
assessment-list                POST   plant  401   403   201/400  403      403      403      403      403
assessment-detail              GET    asm    401   404   200      200/404  200/404  200/404  200/404  200/404
assessment-submit              POST   asm    401   404   403      200/404  403/404  403/404  403/404  403/404
assessment-confirm             POST   dec    401   404   200/400  403/404  403/404  403/404  403/404  403/404
assessment-return              POST   dec    401   404   200/400  403/404  403/404  403/404  403/404  403/404
assessment-ratings             GET    asm    401   404   200      200/404  200/404  200/404  200/404  200/404
assessment-ratings             PATCH  asm    401   404   403      200/404  403/404  403/404  403/404  403/404
assessment-rating              PATCH  asm    401   404   403      200/404  403/404  403/404  403/404  403/404
assessment-evidence            GET    asm    401   404   200      200/404  200/404  200/404  200/404  200/404
assessment-evidence            POST   asm    401   404   403      201/404  403/404  403/404  403/404  403/404
assessment-evidence-detail     DELETE ev     401   404   403      204/404  403/404  403/404  403/404  403/404
# --- API: self-diagnoses ------------------------------------------------------------------------
self-assessment-list           GET    self   401   200   200      200      200      200      200      200
self-assessment-list           POST   plant  401   403   403      403      403      403      403      400
self-assessment-over-rating    GET    -      401   403   200      403      403      403      403      403
self-assessment-detail         GET    self   401   404   200      200/404  404      404      404      200/404
self-assessment-detail         DELETE selfd  401   404   404      404      404      404      404      204/404
self-assessment-ratings        GET    self   401   404   200      200/404  404      404      404      200/404
self-assessment-ratings        PATCH  selfd  401   404   404      404      404      404      404      200/404
self-assessment-finish         POST   selfd  401   404   404      404      404      404      404      400/404
self-assessment-share          POST   self   401   404   403      403/404  404      404      404      200/404
self-assessment-share          DELETE self   401   404   403      403/404  404      404      404      200/404
self-assessment-comparison     GET    self   401   404   200      200/404  404      404      404      200/404
# --- API: programs, projects, KPIs, progress, reports --------------------------------------------
program-list                   GET    prog   401   200   200      200      200      200      200      200
program-list                   POST   -      401   403   201      403      403      403      403      403
program-detail                 GET    prog   401   404   200      200      200/404  200/404  200      200
program-detail                 PUT    prog   401   404   200/403  403      403/404  403/404  403      403
program-detail                 PATCH  prog   401   404   200/403  403      403/404  403/404  403      403
program-commitments            POST   prog   401   404   200/403  403      403/404  403/404  403      403
project-list                   GET    proj   401   200   200      200      200      200      200      200
project-list                   POST   -      401   403   201      403      403      403      403      403
project-detail                 GET    proj   401   404   200      200/404  200/404  200/404  200      200/404
project-detail                 PATCH  proj   401   404   200/403  403/404  403/404  403/404  403      403/404
project-advance                POST   proj   401   404   200/403  403/404  403/404  403/404  403      403/404
kpi-list                       GET    kpi    401   200   200      200      200      200      200      200
kpi-list                       POST   proj   401   403   201/403  403      403      403      403      403
kpi-detail                     GET    kpi    401   404   200      200/404  200/404  200/404  200      200/404
kpi-detail                     PATCH  kpi    401   404   200/403  403/404  403/404  403/404  403      403/404
progress-list                  GET    firm   401   404   200      404      200/400  200/400  200      404
report-list                    GET    rep    401   200   200      200      200      200      200      200
report-list                    POST   firm   401   403   202      403      202/403  202/403  202      403
report-detail                  GET    rep    401   404   200      404      200/404  200/404  200      404
report-download                GET    rep    401   404   200      404      200/404  200/404  200      404
report-retry                   POST   failed 401   404   202      404      202/404  202/404  202      404
# --- SME members: invitations (agency staff on an SME company), the one-time link (public) -------
hub:organization_invite        GET    org    login 404   200/404  403/404  404      403/404  404/403  403/404
hub:organization_invite        POST   org    login 404   302/404  403/404  404      403/404  404/403  403/404
hub:sme_member_create          GET    org    login 404   200/404  403/404  404      403/404  404/403  403/404
hub:sme_member_create          POST   org    login 404   302/404  403/404  404      403/404  404/403  403/404
hub:invitation_accept          GET    -      200   200   200      200      200      200      200      200
hub:invitation_accept          POST   -      200   200   200      200      200      200      200      200
# --- data hub pages: the plant's own members manage; 403 where the plant is visible, else 404 ----
datahub:home                   GET    -      login 403   403      403      403      403      403      200
datahub:plant                  GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:source_create          GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:source_create          POST   plant  login 404   403      403/404  403/404  403/404  403      302/404
datahub:source_token           GET    src    login 404   403      403/404  403/404  403/404  403      200/404
datahub:token_rotate           GET    src    login 404   403      403/404  403/404  403/404  403      200/404
datahub:token_rotate           POST   src    login 404   403      403/404  403/404  403/404  403      302/404
datahub:token_revoke           GET    src    login 404   403      403/404  403/404  403/404  403      200/404
datahub:token_revoke           POST   src    login 404   403      403/404  403/404  403/404  403      302/404
datahub:series_create          GET    src    login 404   403      403/404  403/404  403/404  403      200/404
datahub:series_create          POST   src    login 404   403      403/404  403/404  403/404  403      302/404
datahub:consents               GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:consents               POST   plant  login 404   403      403/404  403/404  403/404  403      302/404
datahub:consent_revoke         POST   cons   login 404   403      403/404  403/404  403/404  403      302/404
datahub:consent_odrl           GET    cons   login 404   403      403/404  403/404  403/404  403      200/404
datahub:access_log             GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:upload_template        GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:upload                 GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:upload                 POST   plant  login 404   403      403/404  403/404  403/404  403      302/404
datahub:upload_preview         GET    plant  login 404   403      403/404  403/404  403/404  403      404
datahub:upload_preview         POST   plant  login 404   403      403/404  403/404  403/404  403      404
datahub:monthly                GET    plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:monthly                POST   plant  login 404   403      403/404  403/404  403/404  403      200/404
datahub:follow_up_series_add   POST   plant  login 404   403      403/404  403/404  403/404  403      302/404
# --- data hub: early warning (the queue for agency staff and officials; a warning for whoever
# sees its plant's data hub rows; acting for agency staff) -------------------------------------
datahub:warnings               GET    warn   login 403   200      403      403      403      200      403
datahub:warning                GET    warn   login 404   200      404      200/404  200/404  200      200/404
datahub:warning                POST   warn   login 404   302      404      403/404  403/404  403      403/404
# --- data hub: AAS export and research datasets ---
datahub:datasets               GET    -      login 403   200      403      403      403      200      403
datahub:datasets               POST   -      login 403   403      403      403      403      302      403
datahub:dataset_download       GET    ds     login 404   200/404  404      404      404      200/404  404
# --- data hub: peer benchmarks ---
datahub:benchmarks             GET    plant  login 404   404      404      200/404  200/404  404      200/404
datahub:benchmark_table        GET    -      login 403   200      403      403      403      200      403
# --- data hub: the plant's dashboard ---
# values: the plant itself, its partner under the partner consent (both plants gave it), agency
# staff only under the follow-up consent or period (none here); everyone else 404
datahub:dashboard              GET    plant  login 404   404      404      200/404  200/404  404      200/404
# --- data hub: follow-up ---
datahub:followups              GET    -      login 403   200      403      403      403      200      403
datahub:followups_plant        GET    plant  login 404   200      403/404  200/404  200/404  200      200/404
# --- API: data hub --------------------------------------------------------------------------------
kpi-definition-list            GET    kdef   401   200   200      200      200      200      200      200
kpi-definition-detail          GET    kdef   401   404   200      200      200      200      200      200
data-source-list               GET    src    401   200   200      200      200      200      200      200
data-source-list               POST   plant  401   403   403      403      403      403      403      201/400
data-source-detail             GET    src    401   404   200      404      200/404  200/404  200      200/404
data-source-detail             PATCH  src    401   404   403      404      403/404  403/404  403      200/404
data-source-rotate-token       POST   src    401   404   403      404      403/404  403/404  403      200/404
data-source-revoke-token       POST   src    401   404   403      404      403/404  403/404  403      200/404
series-list                    GET    ser    401   200   200      200      200      200      200      200
series-list                    POST   src    401   403   403      403      403      403      403      201/400
series-detail                  GET    ser    401   404   200      404      200/404  200/404  200      200/404
consent-list                   GET    cons   401   200   200      200      200      200      200      200
consent-list                   POST   plant  401   403   403      403      403      403      403      201/400
consent-detail                 GET    cons   401   404   200      404      200/404  200/404  200      200/404
consent-revoke                 POST   cons   401   404   403      404      403/404  403/404  403      200/404
consent-odrl                   GET    cons   401   404   200      404      200/404  200/404  200      200/404
access-log-list                GET    log    401   200   200      200      200      200      200      200
access-log-detail              GET    log    401   404   200      404      404      404      404      200/404
# the ingest endpoint takes only a data source's token: none of these
ingest                         POST   -      401   401   401      401      401      401      401      401
series-observations            GET    ser    401   404   404      404      200/404  200/404  404      200/404
# --- data hub: early warning ----------------------------------------------------------------------
warning-list                   GET    warn   401   200   200      200      200      200      200      200
warning-detail                 GET    warn   401   404   200      404      200/404  200/404  200      200/404
warning-acknowledge            POST   warn   401   404   200      404      403/404  403/404  403      403/404
warning-resolve                POST   warn   401   404   200      404      403/404  403/404  403      403/404
# --- data hub: AAS export and research datasets ---
plant-aas                      GET    plant  401   404   200      200/404  200/404  200/404  200      200/404
dataset-list                   GET    ds     401   200   200      200      200      200      200      200
dataset-list                   POST   -      401   403   403      403      403      403      202      403
dataset-detail                 GET    ds     401   404   200      404      404      404      200      404
dataset-download               GET    ds     401   404   200/404  404      404      404      200/404  404
# --- data hub: peer benchmarks ---
plant-benchmarks               GET    plant  401   404   404      404      200/404  200/404  404      200/404
# --- data hub: the plant's dashboard ---
plant-dashboard                GET    plant  401   404   404      404      200/404  200/404  404      200/404
# --- data hub: follow-up ---
followup-list                  GET    fu     401   200   200      200      200      200      200      200
followup-detail                GET    fu     401   404   200      404      200/404  200/404  200      200/404
# --- calibration and spot-checks: agency staff, and consultants for their own (blind) -----------
assessments:calibration        GET    -      login 403   200      200      403      403      403      403
assessments:spot_check_list    GET    -      login 403   200      200      403      403      403      403
assessments:spot_check_draw    GET    -      login 403   200      403      403      403      403      403
assessments:spot_check_draw    POST   -      login 403   302      403      403      403      403      403
assessments:spot_check_choose  POST   -      login 403   302      403      403      403      403      403
assessments:spot_check_detail  GET    spot   login 404   200      302/404  404      404      404      404
assessments:spot_check_fill    GET    spot   login 404   403      200/404  404      404      404      404
assessments:spot_check_item_save POST spot   login 404   403      302/404  404      404      404      404
assessments:spot_check_submit  POST   spot   login 404   403      302/404  404      404      404      404
assessments:spot_check_assign  POST   spot   login 404   302      403/404  404      404      404      404
assessments:spot_check_decide  POST   spotdec login 404  302/back 403/404  404      404      404      404
assessments:spot_check_cancel  POST   spot   login 404   302      403/404  404      404      404      404
calibration-list               GET    -      401   403   200      200      403      403      403      403
spot-check-list                GET    -      401   403   200      200      403      403      403      403
spot-check-list                POST   -      401   403   201      403      403      403      403      403
spot-check-detail              GET    spot   401   403   200      200/404  403      403      403      403
spot-check-draw                POST   -      401   403   201      403      403      403      403      403
spot-check-assign              POST   spot   401   403   200      403/404  403      403      403      403
spot-check-ratings             GET    spot   401   403   200      200/404  403      403      403      403
spot-check-ratings             PATCH  spot   401   403   403      200/404  403      403      403      403
spot-check-submit              POST   spot   401   403   403      200/404  403      403      403      403
spot-check-decide              POST   spotdec 401  403   200/400  403/404  403      403      403      403
spot-check-cancel              POST   spot   401   403   200      403/404  403      403      403      403
# --- Django admin (staff only; every route, GET) -------------------------------------------------
admin:*                        GET    -      adm   adm   adm      adm      adm      adm      adm      adm
admin:login                    GET    -      200   200   200      200      200      200      200      200
admin:logout                   GET    -      302   302   302      302      302      302      302      302
# --- assessments: back-filed history import (agency staff only) ---
assessments:history_import     GET    -      login 403   200      403      403      403      403      403
assessments:history_import     POST   -      login 403   200      403      403      403      403      403
"""

REFUSALS = {"login", "adm", "back", "400", "401", "403", "404", "405"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ADMIN = "admin:*"

# A list route with a kind shows exactly the objects its detail route answers 200 for.
LISTS = {
    "hub:plant_list": "hub:plant_detail",
    "hub:plant_lookup": "hub:plant_detail",
    "hub:organization_lookup": "hub:organization_detail",
    "hub:organization_list": "hub:organization_detail",
    "hub:mentorship_list": "hub:mentorship_detail",
    "assessments:assessment_list": "assessments:assessment_detail",
    "programs:program_list": "programs:program_detail",
    "programs:project_list": "programs:project_detail",
    "progress:report_list": "progress:report_detail",
    "organization-list": "organization-detail",
    "plant-list": "plant-detail",
    "mentorship-list": "mentorship-detail",
    "assessment-list": "assessment-detail",
    "program-list": "program-detail",
    "project-list": "project-detail",
    "kpi-list": "kpi-detail",
    "report-list": "report-detail",
    "kpi-definition-list": "kpi-definition-detail",
    "data-source-list": "data-source-detail",
    "series-list": "series-detail",
    "consent-list": "consent-detail",
    "access-log-list": "access-log-detail",
    "datahub:warnings": "datahub:warning",
    "warning-list": "warning-detail",
    "dataset-list": "dataset-detail",
    "followup-list": "followup-detail",
    "assessments:self_assessment_list": "assessments:self_assessment_detail",
    "self-assessment-list": "self-assessment-detail",
}

# Routes whose kind object goes into the query string (a list then only answers about it).
QUERY = {
    "hub:plant_lookup": "q={name}",
    "hub:organization_lookup": "q={name}",
    "assessments:assessment_compare": "a={pk}&b={pk}",
    "programs:portfolio": "partner={pk}",
    "progress:dashboard": "partner={pk}",
    "progress-list": "partner={pk}",
}

# How a web list shows an object, when not by a link to its page.
MARKERS = {
    "hub:plant_lookup": lambda obj: f'data-value="{obj.pk}"',
    "hub:organization_lookup": lambda obj: f'data-value="{obj.pk}"',
}

# Function views do not say which methods they accept; these do (checked against the table).
FUNCTION_VIEW_METHODS = {"healthz": {"GET"}, "set_language": {"GET", "POST"}}
# What the methods a route does not list answer agency staff, when not 405: Django's
# set_language redirects whatever the method and changes the language only on POST.
UNLISTED_ANSWER = {"set_language": "302"}

# --- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    kind: str
    cells: dict  # persona -> (code on allowed object, code on forbidden object or None)
    line: int


def parse_matrix(text: str) -> dict[tuple[str, str], Row]:
    rows = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        route, method, kind, *codes = line.split()
        assert len(codes) == len(PERSONAS), f"MATRIX line {number}: one code per persona"
        assert kind == "-" or kind in PAIRS, f"MATRIX line {number}: unknown kind {kind}"
        assert (route, method) not in rows, f"MATRIX line {number}: {route} {method} twice"
        cells = {}
        for persona, code in zip(PERSONAS, codes, strict=True):
            allowed, _, forbidden = code.partition("/")
            cells[persona] = (allowed, forbidden or None)
        rows[route, method] = Row(route, method, kind, cells, number)
    return rows


ROWS = parse_matrix(MATRIX)
ROUTES_IN_TABLE = {route for route, _ in ROWS}

# --- the routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # URL name (namespaced) or, unnamed, the route text
    name: str | None
    text: str  # the route as ResolverMatch.route spells it
    parts: tuple  # the patterns from the root, for building unnamed URLs
    params: tuple[str, ...]
    callback: object

    @property
    def is_admin(self) -> bool:
        return self.text.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return hasattr(self.callback, "cls")  # a Django REST framework view

    @property
    def row_key(self) -> str:
        return ADMIN if self.is_admin and self.key not in ROUTES_IN_TABLE else self.key

    @property
    def label(self) -> str:
        suffix = ".json" if "format" in self.params else ""
        return (self.key if not self.is_admin else self.text) + suffix


def _join(route1: str, route2: str) -> str:
    # As django.urls.resolvers.URLResolver._join_route does.
    return route2 if not route1 else route1 + route2.removeprefix("^")


def _params(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def walk(resolver, text="", namespace=None, parts=(), params=()):
    for p in resolver.url_patterns:
        route = _join(text, str(p.pattern))
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p, route, ns, (*parts, p.pattern), (*params, *_params(p.pattern)))
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield Route(
                key=name or route,
                name=name,
                text=route,
                parts=(*parts, p.pattern),
                params=(*params, *_params(p.pattern)),
                callback=p.callback,
            )


ROUTES = list(walk(get_resolver()))


def schema_operations() -> dict[str, set[str]]:
    """Route key -> the methods the OpenAPI schema documents for it."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations: dict[str, set[str]] = {}
    for path, item in schema["paths"].items():
        match = resolve(re.sub(r"\{\w+\}", "1", path))
        for method in item:
            if method.upper() in METHODS:
                operations.setdefault(match.view_name, set()).add(method.upper())
    return operations


SCHEMA = schema_operations()


def accepted_methods(route: Route) -> set[str] | None:
    """The methods a route's view answers (None: a function view, see FUNCTION_VIEW_METHODS)."""
    actions = getattr(route.callback, "actions", None)
    if actions:  # a DRF viewset route: the router's mapping, less what the viewset refuses
        allowed = route.callback.cls.http_method_names
        return {m.upper() for m in actions if m.upper() in METHODS and m in allowed}
    cls = getattr(route.callback, "view_class", None)
    if cls is None:
        return FUNCTION_VIEW_METHODS.get(route.key)
    methods = set()
    for method in METHODS:
        handler = getattr(cls, method.lower(), None)
        if handler is None or method.lower() not in cls.http_method_names:
            continue
        if method == "PUT" and handler is ProcessFormView.put:
            continue  # Django's alias of POST on form views
        methods.add(method)
    return methods


# --- objects, URLs and bodies ----------------------------------------------------------------


def url_kwargs(w, obj) -> dict:
    if obj is None:
        return {}
    values = {"pk": obj.pk}
    if isinstance(obj, Plant):
        values["plant_pk"] = obj.pk
    elif isinstance(obj, Assessment):
        values.update(item_pk=w.item.pk, item_code=w.item.code)
    elif isinstance(obj, Evidence):
        values["evidence_pk"] = obj.pk
    elif isinstance(obj, SelfAssessment | SpotCheck):
        values["item_pk"] = w.item.pk
    return values


# Other URL parameters: the world's invitation link, an upload that does not exist (no file is
# kept between requests), the CSV template.
PAGE_VALUES = {"token": INVITATION_TOKEN, "key": "0" * 32, "fmt": "csv"}
ADMIN_VALUES = {
    "app_label": "hub",
    "object_id": "1",
    "id": 1,
    "pk": 1,
    "content_type_id": 1,
    "url": "x/",
}


def build_path(route: Route, w, obj) -> str:
    values = {
        **(ADMIN_VALUES if route.is_admin else {}),
        **PAGE_VALUES,
        "format": "json",
        **url_kwargs(w, obj),
    }
    if isinstance(obj, Evidence) and "evidence_pk" in route.params:
        values["pk"] = obj.assessment_id  # /assessments/<assessment>/evidence/<evidence>/
    missing = [p for p in route.params if p not in values]
    assert not missing, f"{route.key}: no value for URL parameter(s) {missing}; give the row a kind"
    kwargs = {p: values[p] for p in route.params}
    if route.name:
        path = reverse(route.name, kwargs=kwargs)
    else:
        path = "/"
        for part in route.parts:
            text = str(part)
            if isinstance(part, RegexPattern):
                text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), text)
                text = text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
            else:
                text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), text)
            path += text
    assert resolve(path).route == route.text, f"{path} does not resolve to {route.text}"
    return path


def _form(instance, fields, **changes) -> dict:
    """POST data of a model form showing `instance` (checkboxes: present when true)."""
    data = {}
    for name in fields:
        value = getattr(instance, name + "_id", None) if hasattr(instance, name + "_id") else None
        if value is None:
            value = getattr(instance, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def _json(instance, fields, **changes) -> dict:
    data = {}
    for name in fields:
        value = getattr(instance, name + "_id", None) if hasattr(instance, name + "_id") else None
        if value is None:
            value = getattr(instance, name)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, bool | int | str):
            value = str(value)
        data[name] = value
    data.update(changes)
    return data


ORG_FIELDS = ["kind", "name", "name_en", "business_number", "size_class", "employees"]
ORG_FIELDS += ["revenue_million_krw", "region", "address", "is_active"]
PLANT_FIELDS = ["company", "name", "region", "address", "industry", "employees"]
PLANT_FIELDS += ["factory_registration_number", "status"]
MENTORSHIP_FIELDS = ["partner", "plant", "start_date", "end_date", "notes"]
PROGRAM_FIELDS = ["name_ko", "name_en", "year", "kind", "budget", "applications_open"]
PROGRAM_FIELDS += ["applications_close", "cost_share_rule"]
PROJECT_EDIT_FIELDS = ["title", "partner", "supplier", "target_level", "total_cost"]
PROJECT_EDIT_FIELDS += ["government_share", "partner_share", "sme_share", "applied_on", "reference"]
AS_OF = "2025-12-31"


def _csv(header: list[str]):
    return SimpleUploadedFile("import.csv", (",".join(header) + "\r\n").encode(), "text/csv")


def _new_project(w) -> dict:
    return {
        "program": w.winwin.pk,
        "plant": w.plant_new.pk,
        "partner": w.firm_a.pk,
        "supplier": w.supplier.pk,
        "target_level": TargetLevel.BASIC,
        "total_cost": "100000000",
        "government_share": "30000000",
        "partner_share": "30000000",
        "sme_share": "40000000",
        "applied_on": "2025-03-02",
    }


def _new_program(w) -> dict:
    return _json(w.winwin, PROGRAM_FIELDS, name_ko="2025 새 사업", name_en="2025 new program")


# (route, method) -> function(world, object) -> body. Writes not listed send an empty body.
PAYLOADS = {
    ("login", "POST"): lambda w, o: {"username": w.login_user.username, "password": PASSWORD},
    ("set_language", "POST"): lambda w, o: {"language": "en", "next": "/"},
    ("hub:plant_create", "POST"): lambda w, o: _form(
        w.plant_new, PLANT_FIELDS, company=w.company_new.pk, name="매트릭스 공장"
    ),
    ("hub:plant_import", "POST"): lambda w, o: {
        "file": _csv(plant_template_header("en")),
        "dry_run": "on",
    },
    ("hub:plant_update", "POST"): lambda w, o: _form(o, PLANT_FIELDS, employees=77),
    ("hub:organization_create", "POST"): lambda w, o: _form(
        w.supplier, ORG_FIELDS, name="매트릭스 공급", name_en="Matrix Supplier"
    ),
    ("hub:organization_update", "POST"): lambda w, o: _form(o, ORG_FIELDS, address="세종 1"),
    ("hub:mentorship_create", "POST"): lambda w, o: {
        "partner": w.firm_a.pk,
        "plant": w.plant_free.pk,
        "start_date": "2024-03-01",
    },
    ("hub:mentorship_update", "POST"): lambda w, o: _form(o, MENTORSHIP_FIELDS, notes="매트릭스"),
    ("assessments:assessment_open", "POST"): lambda w, o: {"consultant": w.consultant.pk},
    ("assessments:item_save", "POST"): lambda w, o: {f"i{w.item.pk}-rating": "4"},
    ("assessments:evidence_upload", "POST"): lambda w, o: {"file": pdf_upload()},
    ("assessments:assessment_return", "POST"): lambda w, o: {"reason": "A1.1을 다시 확인하세요."},
    ("assessments:self_assessment_item_save", "POST"): lambda w, o: {f"i{w.item.pk}-rating": "4"},
    ("self-assessment-list", "POST"): lambda w, o: {"plant": o.pk},
    ("self-assessment-ratings", "PATCH"): lambda w, o: [{"item": w.item.code, "rating": 3}],
    ("assessments:spot_check_draw", "POST"): lambda w, o: {
        "share_percent": "0",
        "outlier_consultants": "0",
        "limit": "1",
        "seed": "1",
    },
    ("assessments:spot_check_choose", "POST"): lambda w, o: {"assessment": w.conf_y.pk},
    ("assessments:spot_check_item_save", "POST"): lambda w, o: {f"i{w.item.pk}-rating": "4"},
    ("assessments:spot_check_assign", "POST"): lambda w, o: {"consultant": w.consultant.pk},
    ("assessments:spot_check_decide", "POST"): lambda w, o: {"decision": "kept"},
    ("programs:program_create", "POST"): lambda w, o: _new_program(w),
    ("programs:program_update", "POST"): lambda w, o: _form(o, PROGRAM_FIELDS, name_en="Renamed"),
    ("programs:commitment_set", "POST"): lambda w, o: {
        "partner": w.firm_a.pk,
        "committed": "120000000",
    },
    ("programs:project_create", "POST"): lambda w, o: _new_project(w),
    ("programs:project_import", "POST"): lambda w, o: {
        "file": _csv(program_template_header(PROJECT_COLUMNS, "en")),
        "dry_run": "on",
    },
    ("programs:project_update", "POST"): lambda w, o: _form(
        o, PROJECT_EDIT_FIELDS, title="새 제목"
    ),
    ("programs:project_advance", "POST"): lambda w, o: {"to": "selected", "on": "2025-03-09"},
    ("programs:kpi_record", "POST"): lambda w, o: {
        "indicator": "defect_rate",
        "unit": "",
        "baseline": "2.5",
    },
    ("programs:kpi_import", "POST"): lambda w, o: {
        "file": _csv(program_template_header(KPI_COLUMNS, "en")),
        "dry_run": "on",
    },
    ("progress:target_update", "POST"): lambda w, o: {
        "value": "30000",
        "due_year": "2030",
        "note": "매트릭스",
    },
    ("progress:report_list", "POST"): lambda w, o: {
        "scope": "partner",
        "partner": o.pk,
        "language": "ko",
        "as_of": AS_OF,
    },
    # --- API -----------------------------------------------------------------------------
    ("api_token", "POST"): lambda w, o: {"username": w.login_user.username, "password": PASSWORD},
    ("organization-list", "POST"): lambda w, o: _json(
        w.supplier, ORG_FIELDS, name="API 공급", name_en="API Supplier"
    ),
    ("organization-detail", "PUT"): lambda w, o: _json(o, ORG_FIELDS, address="세종 2"),
    ("organization-detail", "PATCH"): lambda w, o: {"address": "세종 3"},
    ("plant-list", "POST"): lambda w, o: _json(
        w.plant_new, PLANT_FIELDS, company=w.company_new.pk, name="API 공장"
    ),
    ("plant-detail", "PUT"): lambda w, o: _json(o, PLANT_FIELDS, employees=78),
    ("plant-detail", "PATCH"): lambda w, o: {"employees": 79},
    ("mentorship-list", "POST"): lambda w, o: {
        "partner": w.firm_a.pk,
        "plant": w.plant_free.pk,
        "start_date": "2024-03-01",
    },
    ("mentorship-detail", "PUT"): lambda w, o: _json(o, MENTORSHIP_FIELDS, notes="API"),
    ("mentorship-detail", "PATCH"): lambda w, o: {"notes": "API 2"},
    ("assessment-list", "POST"): lambda w, o: {"plant": o.pk, "consultant": w.consultant.pk},
    ("assessment-return", "POST"): lambda w, o: {"reason": "A1.1을 다시 확인하세요."},
    ("assessment-ratings", "PATCH"): lambda w, o: [{"item": w.item.code, "rating": 4}],
    ("assessment-rating", "PATCH"): lambda w, o: {"rating": 4},
    ("assessment-evidence", "POST"): lambda w, o: {"item": w.item.code, "file": pdf_upload()},
    ("spot-check-draw", "POST"): lambda w, o: {"share": 0, "seed": 1},
    ("spot-check-list", "POST"): lambda w, o: {"assessment": w.conf_y.pk},
    ("spot-check-assign", "POST"): lambda w, o: {"consultant": w.consultant.pk},
    ("spot-check-ratings", "PATCH"): lambda w, o: [{"item": w.item.code, "rating": 4}],
    ("program-list", "POST"): lambda w, o: _new_program(w),
    ("program-detail", "PUT"): lambda w, o: _json(o, PROGRAM_FIELDS, name_en="Renamed by API"),
    ("program-detail", "PATCH"): lambda w, o: {"name_en": "Patched by API"},
    ("program-commitments", "POST"): lambda w, o: {
        "partner": w.firm_a.pk,
        "committed": "120000000",
    },
    ("project-list", "POST"): lambda w, o: _new_project(w),
    ("project-detail", "PATCH"): lambda w, o: {"title": "API 제목"},
    ("project-advance", "POST"): lambda w, o: {"to": "selected", "on": "2025-03-09"},
    ("kpi-list", "POST"): lambda w, o: {
        "project": o.pk,
        "indicator": "defect_rate",
        "baseline": "2.5",
    },
    ("kpi-detail", "PATCH"): lambda w, o: {"baseline": "110"},
    ("hub:organization_invite", "POST"): lambda w, o: {
        "email": "matrix@example.org",
        "name": "매트릭스",
    },
    ("hub:sme_member_create", "POST"): lambda w, o: {
        "username": "matrix-sme",
        "password": "Matrix-Pass-2025!",
    },
    ("datahub:source_create", "POST"): lambda w, o: {"name": "매트릭스 소스", "kind": "mes"},
    ("datahub:series_create", "POST"): lambda w, o: {
        "kpi": "availability",
        "unit": "%",
        "granularity": "hour",
    },
    ("datahub:consents", "POST"): lambda w, o: {"purpose": "research"},
    ("datahub:datasets", "POST"): lambda w, o: {"title": "매트릭스 데이터셋", "as_of": AS_OF},
    ("dataset-list", "POST"): lambda w, o: {"title": "API 데이터셋", "as_of": AS_OF},
    ("datahub:upload", "POST"): lambda w, o: {
        "file": SimpleUploadedFile("m.csv", b"timestamp,oee\r\n2026-11-01T09:00:00+09:00,70\r\n")
    },
    ("datahub:warning", "POST"): lambda w, o: {"action": "acknowledge", "note": "매트릭스"},
    ("warning-acknowledge", "POST"): lambda w, o: {"note": "매트릭스"},
    ("warning-resolve", "POST"): lambda w, o: {"note": "매트릭스"},
    ("data-source-list", "POST"): lambda w, o: {"plant": o.pk, "name": "API MES", "kind": "mes"},
    ("data-source-detail", "PATCH"): lambda w, o: {"description": "API"},
    ("series-list", "POST"): lambda w, o: {"source": o.pk, "kpi": "scrap_quantity"},
    ("consent-list", "POST"): lambda w, o: {"plant": o.pk, "purpose": "research"},
    ("report-list", "POST"): lambda w, o: {
        "scope": "partner",
        "scope_value": str(o.pk),
        "language": "ko",
        "as_of": AS_OF,
    },
    ("assessments:history_import", "POST"): lambda w, o: {
        "file": _csv(history_template_header(["A1.1"], "en")),
        "dry_run": "on",
    },
}
MULTIPART = {("assessment-evidence", "POST")}

# --- answers ---------------------------------------------------------------------------------


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return "adm"
        if location.startswith(resolve_url(settings.LOGIN_URL)):
            return "login"
        return "302"
    return str(code)


def matches(expected: str, got: str) -> bool:
    return got == ("302" if expected == "back" else expected)


def snapshot() -> dict:
    """Every row of the hub's own tables (registry, assessments, programs, data hub, audit),
    read raw."""
    rows = {}
    with connection.cursor() as cursor:
        for label in ("hub", "assessments", "programs", "datahub"):
            for model in apps.get_app_config(label).get_models():
                table = connection.ops.quote_name(model._meta.db_table)
                quote = connection.ops.quote_name
                pk = ", ".join(quote(field.column) for field in model._meta.pk_fields)
                cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608 - our names
                rows[model._meta.label] = cursor.fetchall()
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]


@pytest.fixture(scope="module")
def client():
    """One client for the module: a new one would load the middleware (and WhiteNoise would
    scan the static files) again for every test."""
    return APIClient()


def sign_in(client, w, persona) -> APIClient:
    """The client with no cookie but the persona's session of the world (anonymous: none)."""
    client.cookies = SimpleCookie()
    if persona in w.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[persona]
    return client


def send(client, route: Route, row: Row, w, obj):
    path = build_path(route, w, obj)
    query = QUERY.get(route.key)
    if query and obj is not None:
        path += "?" + query.format(pk=obj.pk, name=quote(str(obj)))
    body = PAYLOADS.get((route.key, row.method), lambda w, o: {})(w, obj)
    method = row.method.lower()
    if row.method == "GET":
        response = client.get(path)
    elif route.is_api:
        fmt = "multipart" if (route.key, row.method) in MULTIPART else "json"
        response = getattr(client, method)(path, body, format=fmt)
    else:
        response = getattr(client, method)(path, body)
    return path, response


def finish(response) -> None:
    """Read a streamed answer (a file, a CSV) to its end, so the test client closes it. Not
    response.close(): that would signal the end of a request again and close the database
    connection inside the test's transaction."""
    if response.streaming:
        b"".join(response.streaming_content)


def listed(response, route: Route, obj) -> bool:
    """Whether a list response shows `obj`."""
    if route.is_api:
        data = response.json()
        results = data["results"] if isinstance(data, dict) else data
        return any(row.get("id") == obj.pk for row in results)
    marker = MARKERS.get(route.key, lambda obj: f'"{obj.get_absolute_url()}"')(obj)
    return marker in response.content.decode()


# --- the cases -------------------------------------------------------------------------------


def matrix_cases():
    cases = []
    for route in ROUTES:
        for (key, method), row in ROWS.items():
            if key != route.row_key:
                continue
            for persona in PERSONAS:
                cases.append(
                    pytest.param(route, row, persona, id=f"{route.label}-{method}-{persona}")
                )
    return cases


CASES = matrix_cases()


@pytest.mark.parametrize(("route", "row", "persona"), CASES)
def test_permission_matrix(matrix, client, route, row, persona):
    w = matrix
    expected_codes = row.cells[persona]
    names = PAIRS[row.kind][persona] if row.kind != "-" else (None, None)
    targets = [(names[0], expected_codes[0])]
    if names[1] is not None:
        targets.append((names[1], expected_codes[1] or expected_codes[0]))
    elif expected_codes[1] is not None:
        pytest.fail(f"MATRIX line {row.line}: {persona} has no forbidden {row.kind} object")

    client = sign_in(client, w, persona)
    problems = []
    before = snapshot() if row.method in WRITES else None
    for name, expected in targets:
        obj = getattr(w, name) if name else None
        path, response = send(client, route, row, w, obj)
        got = outcome(response)
        where = f"{row.method} {path} ({route.label}) as {persona}" + (
            f" on {name}" if name else ""
        )
        if not matches(expected, got):
            detail = response.content[:300].decode(errors="replace") if got == "500" else ""
            problems.append(f"{where}: expected {expected}, got {got} {detail}".rstrip())
        elif got == "200" and row.method == "GET" and route.key in LISTS and row.kind != "-":
            problems += list_problems(w, route, row, persona, response, where, obj)
        finish(response)
        if before is not None:
            after = snapshot()
            if expected in REFUSALS and (changes := changed_tables(before, after)):
                problems.append(f"{where}: refused ({got}) but changed {', '.join(changes)}")
            before = after
    assert not problems, "\n".join(problems)


def list_problems(w, route, row, persona, response, where, obj) -> list[str]:
    """The list shows the persona's objects whose detail route answers 200, and no other (a
    list asked about one object by its query string: that object)."""
    detail = ROWS[LISTS[route.key], "GET"]
    problems = []
    for name, code in zip(PAIRS[detail.kind][persona], detail.cells[persona], strict=True):
        if name is None or (route.key in QUERY and getattr(w, name) != obj):
            continue
        code = code or detail.cells[persona][0]
        shown, should = listed(response, route, getattr(w, name)), code == "200"
        if shown != should:
            verb = "hides" if should else "shows"
            problems.append(f"{where}: the list {verb} {name} (its detail page answers {code})")
    return problems


# --- coverage: no route without rows, no row without a route ---------------------------------


def test_every_route_has_its_rows():
    problems = []
    for route in {r.key: r for r in ROUTES}.values():
        if route.is_admin:
            continue  # `admin:*`: GET on every admin route
        listed_methods = {m for (key, m) in ROWS if key == route.key}
        if not listed_methods:
            problems.append(
                f"{route.text} ({route.key}) is not in MATRIX: add a row per method with the "
                "expected answer for every persona (tests/security/test_permission_matrix.py)"
            )
            continue
        accepted = accepted_methods(route)
        if accepted is None:
            problems.append(
                f"{route.key}: a function view; list its methods in FUNCTION_VIEW_METHODS"
            )
            continue
        if missing := accepted - listed_methods:
            problems.append(f"{route.key} accepts {sorted(missing)}: add MATRIX rows for them")
        if extra := listed_methods - accepted:
            problems.append(f"{route.key} does not accept {sorted(extra)}: remove those rows")
    assert not problems, "\n".join(problems)


def test_every_api_operation_has_its_row():
    problems = []
    for key, methods in sorted(SCHEMA.items()):
        listed_methods = {m for (k, m) in ROWS if k == key}
        for method in sorted(methods - listed_methods):
            problems.append(
                f"API {method} {key} is in the OpenAPI schema but not in MATRIX: add it"
            )
        for method in sorted(listed_methods - methods):
            problems.append(f"MATRIX has {key} {method}, which the OpenAPI schema does not list")
    assert not problems, "\n".join(problems)


def test_every_row_has_a_route():
    keys = {route.key for route in ROUTES} | {ADMIN}
    stale = [f"line {row.line}: {r} {m}" for (r, m), row in ROWS.items() if r not in keys]
    assert not stale, "MATRIX rows for routes that no longer exist, remove them:\n" + "\n".join(
        stale
    )


def test_kinds_are_used_and_lists_have_details():
    problems = []
    for (key, method), row in ROWS.items():
        routes = [r for r in ROUTES if r.key == key]
        if row.kind == "-" or not routes:
            continue
        uses = (
            any(p in ("pk", "plant_pk") for r in routes for p in r.params)
            or key in QUERY
            or (key, method) in PAYLOADS
            or (key in LISTS and method == "GET")
        )
        if not uses:
            problems.append(
                f"line {row.line}: {key} {method} has kind {row.kind} but no use for it"
            )
    for list_key, detail_key in LISTS.items():
        if (detail_key, "GET") not in ROWS or (list_key, "GET") not in ROWS:
            problems.append(f"LISTS: {list_key} -> {detail_key} needs both GET rows")
    assert not problems, "\n".join(problems)


# --- methods nobody listed -------------------------------------------------------------------


def unlisted_cases():
    cases = []
    for route in ROUTES:
        if route.is_admin:
            continue
        listed_methods = {m for (key, m) in ROWS if key == route.key}
        if not listed_methods:
            continue  # test_every_route_has_its_rows reports it
        cls = getattr(route.callback, "view_class", None)
        others = [m for m in METHODS if m not in listed_methods]
        if cls is not None and getattr(cls, "put", None) is ProcessFormView.put:
            others.remove("PUT")
        if others:
            cases.append(pytest.param(route, others, id=route.label))
    return cases


@pytest.mark.parametrize(("route", "methods"), unlisted_cases())
def test_unlisted_methods_answer_405(matrix, client, route, methods):
    """Agency staff (who pass every role check of these routes) get 405 for any other method,
    and nothing changes."""
    w = matrix
    kind = next(row.kind for (key, _), row in ROWS.items() if key == route.key)
    obj = getattr(w, PAIRS[kind]["agy"][0]) if kind != "-" else None
    client = sign_in(client, w, "agy")
    before = snapshot()
    problems = []
    for method in methods:
        row = Row(route.key, method, kind, {}, 0)
        path, response = send(client, route, row, w, obj)
        expected, got = UNLISTED_ANSWER.get(route.key, "405"), outcome(response)
        if got != expected:
            problems.append(f"{method} {path} ({route.label}): expected {expected}, got {got}")
        finish(response)
    after = snapshot()
    if changes := changed_tables(before, after):
        problems.append(f"{route.label}: {methods} changed {', '.join(changes)}")
    assert not problems, "\n".join(problems)


def test_matrix_size(request):
    """The size of the matrix, shown in the terminal summary (and a floor, so that a broken
    enumeration cannot pass quietly with a handful of routes)."""
    pairs, requests = set(), 0
    for param in CASES:
        route, row, persona = param.values
        pairs.add((route.label, row.method))
        requests += 1 if row.kind == "-" or PAIRS[row.kind][persona][1] is None else 2
    patterns = {label for label, _ in pairs}
    operations = sum(len(methods) for methods in SCHEMA.values())
    request.config.stash[MATRIX_SIZE] = (
        f"permission matrix: {len(patterns)} URL patterns ({operations} API operations in the "
        f"OpenAPI schema) x their methods = {len(pairs)} route-method pairs x "
        f"{len(PERSONAS)} personas = {len(CASES)} checks, {requests} requests"
    )
    assert len(CASES) == len(pairs) * len(PERSONAS)
    assert len(patterns) == len(ROUTES)
    assert len(pairs) > 200 and operations > 40
