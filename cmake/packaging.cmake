# The Debian package (CPack DEB): `make package` builds the web UI and the server, then
# writes build/shangliang_<version>_amd64.deb. Included by the root CMakeLists.txt.
#   /usr/bin/shangliang                      the server and its tools
#   /usr/share/shangliang/web/               the built web UI (web/dist, precompressed)
#   /lib/systemd/system/shangliang.service   hardened unit (deploy/systemd)
#   /etc/shangliang/shangliang.toml          default config, one node on SQLite (conffile)
#   /usr/share/doc/shangliang/               operations.md, example configs, nginx site
#   postinst: system user `shangliang`, /var/lib/shangliang (0750), enables the service
# Runtime library dependencies come from dpkg-shlibdeps.

install(TARGETS shangliang RUNTIME DESTINATION bin)
# web/dist is built by scripts/build-web.sh (the Makefile's package target runs it first).
install(DIRECTORY ${CMAKE_SOURCE_DIR}/web/dist/ DESTINATION share/shangliang/web)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/shangliang.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/debian/shangliang.toml DESTINATION /etc/shangliang)
install(FILES ${CMAKE_SOURCE_DIR}/docs/operations.md
              ${CMAKE_SOURCE_DIR}/config/shangliang.example.toml
              ${CMAKE_SOURCE_DIR}/deploy/shangliang.production.toml
              ${CMAKE_SOURCE_DIR}/deploy/nginx/shangliang.conf
        DESTINATION share/doc/shangliang)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shangliang)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Shangliang maintainers <shangliang@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Shangliang (商量) digital deliberation platform")
set(CPACK_PACKAGE_DESCRIPTION
    "Online deliberation for CPPCC committees, people's congresses and village councils:
deliberations with live threads, cases (proposals, motions, suggestions), topics and
surveys, with every change recorded in a verifiable public ledger.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # shangliang_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser for the system user; the OpenCC tables (繁→简 folding for search) are data, not a library.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libopencc-data")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nginx | nginx-light")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql-client-15, postgresql-15, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles
    ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
include(CPack)
