// The lookup page zone-serve serves at `/`: one self-contained HTML file (its
// script and style inline, nothing from elsewhere), so that it works offline
// and behind a portal that allows no third-party content.
#pragma once

#include <string>

namespace zone::serve {

const std::string& lookup_page();

}  // namespace zone::serve
