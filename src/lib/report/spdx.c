/* The "spdx-json" format: an SPDX 2.3 JSON document.
 *
 * The document DESCRIBES the image, a package with primaryPackagePurpose
 * CONTAINER, which CONTAINS the operating system and every package.
 * SPDXIDs keep only [A-Za-z0-9.-] (the spec's idstring); packages are
 * numbered, "SPDXRef-Package-<n>-<name>", so ids stay unique whatever the
 * names. The namespace is https://strata.invalid/spdx/<name>-<uuid>, the
 * UUID a version 5 one of the image digest and the inventory, so the same
 * scan gives the same document for a given timestamp. Licences are
 * declared only when they are one known SPDX id; anything else is
 * NOASSERTION with the text in licenseComments. */
#include <string.h>

#include "report_int.h"
#include "util/banned.h"

#define J(s) st_report__jstr(s)
#define NOASSERTION "NOASSERTION"

static int put(json_t *o, const char *key, json_t *v)
{
    if (!v)
        return ST_ENOMEM;
    return json_object_set_new(o, key, v) < 0 ? ST_ENOMEM : 0;
}

static int put_opt(json_t *o, const char *key, const char *s)
{
    return s ? put(o, key, J(s)) : 0;
}

static int append(json_t *a, json_t *v)
{
    return json_array_append_new(a, v) < 0 ? ST_ENOMEM : 0;
}

/* Appends s to b with every character outside [A-Za-z0-9.-] replaced by
 * '-'; "unnamed" when s is empty. */
static int put_idstring(st_buf *b, const char *s)
{
    int rc = 0;

    if (!s || !*s)
        return st_buf_puts(b, "unnamed");
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '-';

        ST_CHECK(st_buf_putc(b, ok ? c : '-'));
    }
done:
    return rc;
}

/* "SPDXRef-<kind>[-<n>]-<name>" into b (reset first). */
static int make_id(st_buf *b, const char *kind, size_t n, const char *name)
{
    int rc = 0;

    st_buf_reset(b);
    ST_CHECK(st_buf_printf(b, "SPDXRef-%s-", kind));
    if (n)
        ST_CHECK(st_buf_printf(b, "%zu-", n));
    ST_CHECK(put_idstring(b, name));
done:
    return rc;
}

/* A package with the fields every package here shares. */
static json_t *package_new(const char *id, const char *name,
                           const char *version)
{
    json_t *p = json_object();
    int rc = 0;

    if (!p)
        return NULL;
    ST_CHECK(put(p, "name", J(name ? name : "")));
    ST_CHECK(put(p, "SPDXID", J(id)));
    ST_CHECK(put_opt(p, "versionInfo", version));
    ST_CHECK(put(p, "downloadLocation", json_string(NOASSERTION)));
    ST_CHECK(put(p, "filesAnalyzed", json_false()));
done:
    if (rc < 0) {
        json_decref(p);
        return NULL;
    }
    return p;
}

static int put_purl(json_t *p, const char *purl)
{
    if (!purl)
        return 0;
    return put(p, "externalRefs",
               json_pack("[{s:s, s:s, s:o}]",
                         "referenceCategory", "PACKAGE-MANAGER",
                         "referenceType", "purl",
                         "referenceLocator", J(purl)));
}

static int put_licenses(json_t *p, const char *license)
{
    int rc = 0;
    bool known = st_report__spdx_known(license);

    ST_CHECK(put(p, "licenseConcluded", json_string(NOASSERTION)));
    ST_CHECK(put(p, "licenseDeclared",
                 json_string(known ? license : NOASSERTION)));
    if (license && *license && !known) {
        st_buf b = ST_BUF_INIT(1 << 20);

        rc = st_buf_printf(&b, "declared as: %s", license);
        if (rc == 0)
            rc = put(p, "licenseComments", J(b.ptr));
        st_buf_release(&b);
        ST_CHECK(rc);
    }
    ST_CHECK(put(p, "copyrightText", json_string(NOASSERTION)));
done:
    return rc;
}

/* "Organization: Name (email)" from a maintainer "Name <email>". */
static int put_supplier(json_t *p, const char *maintainer)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    int rc = 0;

    if (!maintainer || !*maintainer)
        return 0;
    ST_CHECK(st_buf_puts(&b, "Organization: "));
    for (const char *c = maintainer; *c; c++)
        ST_CHECK(st_buf_putc(&b, *c == '<' ? '(' : *c == '>' ? ')' : *c));
    ST_CHECK(put(p, "supplier", J(b.ptr)));
done:
    st_buf_release(&b);
    return rc;
}

static int relationship(json_t *rels, const char *from, const char *type,
                        const char *to)
{
    return append(rels, json_pack("{s:o, s:s, s:o}",
                                  "spdxElementId", J(from),
                                  "relationshipType", type,
                                  "relatedSpdxElement", J(to)));
}

static int image_package(json_t *pkgs, json_t *rels, const st_result *r,
                         const char *id)
{
    const st_image_info *img = st_result_image(r);
    char *purl = NULL;
    json_t *p = NULL;
    int rc = 0;

    ST_CHECK(st_report__image_purl(&purl, r));
    p = package_new(id, st_report__image_name(r),
                    img ? (img->manifest_digest ? img->manifest_digest
                                                : img->config_digest)
                        : NULL);
    if (!p) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(p, "primaryPackagePurpose", json_string("CONTAINER")));
    ST_CHECK(put_licenses(p, NULL));
    ST_CHECK(put_purl(p, purl));
    ST_CHECK(append(pkgs, st_steal(&p)));
    ST_CHECK(relationship(rels, "SPDXRef-DOCUMENT", "DESCRIBES", id));
done:
    json_decref(p);
    st_free(purl);
    return rc;
}

static int os_package(json_t *pkgs, json_t *rels, const st_os_info *os,
                      const char *image_id, st_buf *id)
{
    const char *name = os->id ? os->id : os->family;
    json_t *p = NULL;
    int rc = 0;

    ST_CHECK(make_id(id, "OperatingSystem", 0, name));
    p = package_new(id->ptr, name,
                    os->version_id ? os->version_id : os->version);
    if (!p) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(p, "primaryPackagePurpose",
                 json_string("OPERATING_SYSTEM")));
    ST_CHECK(put_opt(p, "description", os->pretty_name));
    ST_CHECK(put_licenses(p, NULL));
    ST_CHECK(append(pkgs, st_steal(&p)));
    ST_CHECK(relationship(rels, image_id, "CONTAINS", id->ptr));
done:
    json_decref(p);
    return rc;
}

static int one_package(json_t *pkgs, json_t *rels, const st_package *pk,
                       size_t n, const char *image_id, st_buf *id)
{
    st_buf src = ST_BUF_INIT(1 << 20);
    json_t *p = NULL;
    int rc = 0;

    ST_CHECK(make_id(id, "Package", n, pk->name));
    p = package_new(id->ptr, pk->name, pk->version);
    if (!p) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put_supplier(p, pk->maintainer));
    if (pk->source_name) {
        ST_CHECK(st_buf_printf(&src, "built package from: %s%s%s",
                               pk->source_name,
                               pk->source_version ? " " : "",
                               pk->source_version ? pk->source_version : ""));
        ST_CHECK(put(p, "sourceInfo", J(src.ptr)));
    }
    ST_CHECK(put_licenses(p, pk->license));
    ST_CHECK(put_purl(p, pk->purl));
    ST_CHECK(append(pkgs, st_steal(&p)));
    ST_CHECK(relationship(rels, image_id, "CONTAINS", id->ptr));
done:
    json_decref(p);
    st_buf_release(&src);
    return rc;
}

int st_report__spdx(FILE *f, const st_result *r,
                    const st_report_options *opts, st_error **err)
{
    const st_os_info *os = st_result_os(r);
    const char *name = st_report__image_name(r);
    size_t n = st_result_package_count(r);
    json_t *doc = NULL, *pkgs = NULL, *rels = NULL;
    st_buf ns = ST_BUF_INIT(1 << 20), image_id = ST_BUF_INIT(1 << 20);
    st_buf id = ST_BUF_INIT(1 << 20);
    char *seed = NULL;
    char uuid[37], when[32], creator[64];
    int rc = 0;

    if (!(seed = st_report__seed(r, "strata:spdx")) ||
        !(doc = json_object()) || !(pkgs = json_array()) ||
        !(rels = json_array())) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(st_report__uuid5(uuid, seed));
    ST_CHECK(st_buf_puts(&ns, "https://strata.invalid/spdx/"));
    ST_CHECK(put_idstring(&ns, name));
    ST_CHECK(st_buf_printf(&ns, "-%s", uuid));
    st_report__rfc3339(when, st_report__time(opts));
    snprintf(creator, sizeof(creator), "Tool: strata-%s", st_version());

    ST_CHECK(make_id(&image_id, "Image", 0, name));
    ST_CHECK(image_package(pkgs, rels, r, image_id.ptr));
    if (os && os->family && strcmp(os->family, "unknown"))
        ST_CHECK(os_package(pkgs, rels, os, image_id.ptr, &id));
    for (size_t i = 0; i < n; i++)
        ST_CHECK(one_package(pkgs, rels, st_result_package(r, i), i + 1,
                             image_id.ptr, &id));

    ST_CHECK(put(doc, "spdxVersion", json_string("SPDX-2.3")));
    ST_CHECK(put(doc, "dataLicense", json_string("CC0-1.0")));
    ST_CHECK(put(doc, "SPDXID", json_string("SPDXRef-DOCUMENT")));
    ST_CHECK(put(doc, "name", J(name)));
    ST_CHECK(put(doc, "documentNamespace", J(ns.ptr)));
    ST_CHECK(put(doc, "creationInfo",
                 json_pack("{s:s, s:[s]}", "created", when, "creators",
                           creator)));
    ST_CHECK(put(doc, "packages", st_steal(&pkgs)));
    ST_CHECK(put(doc, "relationships", st_steal(&rels)));
    ST_CHECK(st_report__dump(f, doc, err));
done:
    if (rc == ST_ENOMEM && err && !*err)
        st_error_set(err, rc, "report", "spdx: out of memory");
    json_decref(doc);
    json_decref(pkgs);
    json_decref(rels);
    st_buf_release(&ns);
    st_buf_release(&image_id);
    st_buf_release(&id);
    st_free(seed);
    return rc;
}
