// The staff token of zone-serve: who may use the staff endpoints (batch).
#pragma once

#include <string>

namespace zone::serve {

// Reads the token from a file: its first line, without surrounding white
// space. InputError when the file cannot be read or the token is shorter
// than 16 characters (a guessable token is no protection).
std::string read_staff_token(const std::string& path);

// a == b, in time that depends on the lengths only, not on where they differ.
bool equal_in_constant_time(const std::string& a, const std::string& b);

}  // namespace zone::serve
