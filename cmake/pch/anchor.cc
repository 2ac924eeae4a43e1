// The one source file of the precompiled-header targets
// (cmake/CrmPrecompiledHeaders.cmake): it exists so that the headers are
// compiled once; it defines nothing.
