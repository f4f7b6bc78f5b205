# Finds modak's Debian dependencies with pkg-config. A missing one stops configuration with
# the name of the -dev package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install it with `apt-get install pkg-config`")
endif()

function(modak_require target module debpkg)
  pkg_check_modules(${target} IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "modak needs ${module}: install the Debian package ${debpkg} (apt-get install ${debpkg})")
  endif()
endfunction()

modak_require(YAML     yaml-0.1   libyaml-dev)
modak_require(JANSSON  jansson    libjansson-dev)
modak_require(LIBXML2  libxml-2.0 libxml2-dev)
modak_require(OPENBLAS openblas   libopenblas-dev)
modak_require(ZLIB     zlib       zlib1g-dev)
if(MODAK_TESTS)
  modak_require(CMOCKA cmocka     libcmocka-dev)
endif()
find_package(Threads REQUIRED)
