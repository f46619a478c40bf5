// Errors that mean "the input is bad": tools report them and exit with 2.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace zone {

// Where in the user's input a problem is: every part that is known is named
// in the message, so that a person can go straight to it.
struct Where {
    std::string file;
    std::string layer;
    std::optional<std::int64_t> fid;
    std::string field;
};

// Bad input or configuration: the job cannot be done as asked (exit code 2).
class InputError : public std::runtime_error {
public:
    InputError(Where where, const std::string& problem);
    explicit InputError(const std::string& problem) : InputError(Where{}, problem) {}

    const Where& where() const { return where_; }
    const std::string& problem() const { return problem_; }

private:
    Where where_;
    std::string problem_;
};

// "FILE: layer 'L': feature 12: field 'F': problem", leaving out unknown parts.
std::string describe(const Where& where, const std::string& problem);

}  // namespace zone
