// json_read / json_value: numbers from outside read only when they fit the target type exactly;
// everything else is an InputError naming the member (no out-of-range float-to-int casts).
#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "core/json_read.hpp"

using namespace aelab;
using nlohmann::json;

TEST_CASE("json_read takes whole numbers that fit and refuses the rest", "[core]") {
  CHECK(json_read<int>(json(64), "x") == 64);
  CHECK(json_read<int>(json(64.0), "x") == 64);  // a whole float
  CHECK(json_read<int>(json(-7), "x") == -7);
  CHECK(json_read<int64_t>(json(INT64_MAX), "x") == INT64_MAX);
  CHECK(json_read<uint64_t>(json(UINT64_MAX), "x") == UINT64_MAX);
  CHECK(json_read<int>(json(2147483647), "x") == 2147483647);

  CHECK_THROWS_WITH(json_read<int>(json(1e300), "model: latent"),
                    Catch::Contains("model: latent") && Catch::Contains("out of range"));
  CHECK_THROWS_WITH(json_read<int>(json(7.7e103), "batch"), Catch::Contains("out of range"));
  CHECK_THROWS_AS(json_read<int64_t>(json(9.3e18), "x"), InputError);      // > 2^63
  CHECK_THROWS_AS(json_read<int64_t>(json(UINT64_MAX), "x"), InputError);  // unsigned > INT64_MAX
  CHECK_THROWS_AS(json_read<int>(json(2147483648), "x"), InputError);
  CHECK_THROWS_AS(json_read<int>(json(-2147483649), "x"), InputError);
  CHECK_THROWS_WITH(json_read<uint64_t>(json(-1), "seed"), Catch::Contains("seed"));
  CHECK_THROWS_AS(json_read<uint64_t>(json(-1.0), "x"), InputError);
  CHECK_THROWS_WITH(json_read<int>(json(2.5), "x"), Catch::Contains("whole number"));
  CHECK_THROWS_AS(json_read<int>(json("3"), "x"), InputError);
  CHECK_THROWS_AS(json_read<int>(json(nullptr), "x"), InputError);
  CHECK_THROWS_AS(json_read<int>(json(true), "x"), InputError);
  // 2^31 as a float is just out of int's range; 2^31 - 1 just inside.
  CHECK_THROWS_AS(json_read<int>(json(2147483648.0), "x"), InputError);
  CHECK(json_read<int>(json(2147483647.0), "x") == 2147483647);
  CHECK(json_read<int>(json(-2147483648.0), "x") == INT32_MIN);
}

TEST_CASE("json_read of floating point, bool and string members", "[core]") {
  CHECK(json_read<double>(json(1e300), "x") == 1e300);
  CHECK(json_read<double>(json(3), "x") == 3.0);
  CHECK(json_read<float>(json(0.5), "x") == 0.5f);
  CHECK_THROWS_WITH(json_read<float>(json(1e300), "sigma"), Catch::Contains("sigma"));
  CHECK_THROWS_AS(json_read<double>(json("1e-3"), "lr"), InputError);
  CHECK(json_read<bool>(json(true), "x"));
  CHECK_THROWS_AS(json_read<bool>(json(1), "x"), InputError);
  CHECK(json_read<std::string>(json("l1"), "x") == "l1");
  CHECK_THROWS_AS(json_read<std::string>(json(1), "x"), InputError);
}

TEST_CASE("json_value keeps the fallback for an absent member and names the member", "[core]") {
  const json config = json::parse(R"({"batch": 7.7e103, "epochs": 30, "loss": "l1"})");
  CHECK(json_value(config, "epochs", 5, "training config") == 30);
  CHECK(json_value(config, "threads", 2, "training config") == 2);
  CHECK(json_value(config, "loss", std::string("mse"), "training config") == "l1");
  CHECK_THROWS_WITH(json_value(config, "batch", 128, "training config"),
                    Catch::Equals("training config: \"batch\" is out of range (7.7e+103)"));
  CHECK_THROWS_AS(json_value(json::array(), "batch", 1, "training config"), InputError);
}
