// Access lists (生态环境准入清单, zonekit(7) ACCESS LIST): the rules of the "1+3+16+N"
// levels — province, economic circle, city, unit — and the official texts of
// each unit's list as a table.
#pragma once

#include "zone/build/build.hpp"
#include "zone/rules/condition.hpp"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zone {

enum class Level { province, circle, city, unit };
const char* to_string(Level l);        // "province" …
const char* chinese_name(Level l);     // 省级 经济圈 市级 单元

enum class Effect { prohibit, restrict, require, info };
const char* to_string(Effect e);       // "prohibit" …
const char* chinese_name(Effect e);    // 禁止 限制 要求 说明

// The four dimensions of every list (kDimensions) and the unit-layer fields
// of their texts (kDimensionFields) are in zone/io/unit_map.hpp.

struct Rule {
    std::string id;
    Level level = Level::province;
    // province: its code (370000); circle: its name (省会经济圈); city: its
    // code (370100) or name (济南市); unit: a unit code, or a county code for
    // every unit of the county.
    std::string scope;
    int dimension = 0;                     // index into kDimensions
    std::vector<int> categories;           // empty: every category
    std::optional<Condition> when;         // none: every project
    Effect effect = Effect::info;
    std::string text;
    int line = 0, column = 0;              // of the rule in the file

    const char* dimension_name() const { return kDimensions[dimension]; }
};

struct AccessList {
    std::string file;
    std::string name, version;
    std::vector<Rule> rules;  // in the order of the file
};

// Reads and validates a list completely: unknown keys, levels, dimensions and
// effects, duplicate ids, scopes that do not fit their level, bad categories
// and conditions that do not parse are each an InputError
// "FILE:LINE:COLUMN: rule ID: key: problem" (exit code 2), the position being
// the offending value's (for a condition, the character inside it).
AccessList load_access_list(const std::string& path);

// ---------------------------------------------------------------- official texts

// The four texts of one unit's list, in the order of kDimensions.
using UnitTexts = std::array<std::string, 4>;

struct AccessTexts {
    std::string source;
    std::map<std::string, UnitTexts> by_code;  // unit code -> texts
};

// Reads the official texts as people receive them: a table (XLSX, ODS, CSV —
// anything GDAL reads; a CSV may be UTF-8, with or without BOM, or GBK), one
// row per unit. The code column is HJZHGKDYBM or one named 环境管控单元编码,
// 单元编码, 管控单元编码 or code; the text columns are named by their field
// (KJBJYS …) or their dimension (空间布局约束 …); at least one must be there.
// A missing code column, a bad or repeated code are InputErrors naming the
// table, row and column.
AccessTexts load_access_texts(const std::string& source);

// Writes the texts into the units whose codes the table has; returns the
// codes of the table that name no unit, sorted.
std::vector<std::string> apply_access_texts(std::vector<Unit>& units, const AccessTexts& texts);

}  // namespace zone
