// Strict parsing of zone-report's XHTML with libxml2, for tests: the report
// must be well-formed XML, and XPath picks out what it says.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <string>
#include <vector>

namespace zt {

struct Xml {
    xmlDocPtr doc = nullptr;
    std::string error;  // why it does not parse
    explicit Xml(const std::string& text) {
        doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "report.html", "UTF-8",
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
        if (!doc && xmlGetLastError())
            error = std::string(xmlGetLastError()->message) + " at line " + std::to_string(xmlGetLastError()->line);
    }
    ~Xml() {
        if (doc) xmlFreeDoc(doc);
    }
    Xml(const Xml&) = delete;
    Xml& operator=(const Xml&) = delete;

    // Text of every node the XPath selects; prefixes h (XHTML) and s (SVG).
    std::vector<std::string> values(const std::string& xpath) const {
        std::vector<std::string> out;
        xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
        xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST "http://www.w3.org/1999/xhtml");
        xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
        xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath.c_str(), ctx);
        if (r && r->nodesetval)
            for (int i = 0; i < r->nodesetval->nodeNr; ++i) {
                xmlChar* s = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
                out.emplace_back(s ? reinterpret_cast<const char*>(s) : "");
                xmlFree(s);
            }
        xmlXPathFreeObject(r);
        xmlXPathFreeContext(ctx);
        return out;
    }
};

}  // namespace zt
