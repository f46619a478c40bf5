// What the fuzz targets share: the replay main that ctest runs in the normal
// build, scratch files for loaders that read from disk, and a tiny unit map
// for the targets that need a ProjectChecker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace zone::fuzz {

// Writes `size` bytes to a file of a scratch folder of this process (made on
// first use, removed at exit) and returns its path. The same `name` is
// overwritten each time, so a fuzzer's run does not fill the disk.
std::string scratch_file(const std::string& name, const std::uint8_t* data, std::size_t size);
std::string scratch_folder();

// A GeoPackage of three units (two in 历下区 370102, one in 市中区 370103) of
// CGCS2000 around 117.0E 36.65N, written once into the scratch folder.
std::string tiny_unit_map();

// The bundled Shandong data (testdata/shandong), for loaders that need a
// real access list or boundary.
std::string testdata(const std::string& relative);

// The main of the replay build: runs the target on every file given, and on
// every file of every folder given (not recursively), in name order; prints
// one line per input and fails when there is none.
int replay_main(int argc, char** argv);

}  // namespace zone::fuzz
