using EventHealth.Recording;
using Wolverine.Persistence;

namespace EventHealth.Http;

/// <summary>
/// The framework's declarative not-found guard for a read route's record: Wolverine loads the <see cref="PatientRecord"/>
/// named by the route's <c>patientId</c> before the endpoint runs and, when there is none, answers 404 with the documented
/// patient-not-found problem (<see cref="Problems.MissingPatientMessage"/>; <see cref="Problems.DescribeMissingRecord"/>
/// gives Wolverine's bare problem its type, title and field). An erased record never gets here: it answers 410 first
/// (<see cref="Erasure.ErasureConfiguration.UseErasedRecords"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class ExistingRecordAttribute : EntityAttribute
{
    public ExistingRecordAttribute()
        : base("patientId")
    {
        Required = true;
        OnMissing = OnMissing.ProblemDetailsWith404;
        MissingMessage = Problems.MissingPatientMessage;
    }
}
