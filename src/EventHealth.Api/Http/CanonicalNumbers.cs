namespace EventHealth.Http;

/// <summary>
/// One spelling per number. JSON allows <c>-0.0</c>, which the serializer keeps as negative zero while PostgreSQL
/// stores it as 0: a fingerprint taken before storing would then differ from the stored event's, and a retry of the
/// same entry would look like different content. Request fields normalise on the way in.
/// </summary>
public static class CanonicalNumbers
{
    public static double? Canonical(double? value) => value is 0 ? 0d : value;
}
